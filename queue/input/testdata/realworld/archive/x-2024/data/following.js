window.YTD.following.part0 = [
  {
    "following" : {
      "accountId" : "783214",
      "userLink" : "https://x.com/intent/user?user_id=783214"
    }
  },
  {
    "following" : {
      "accountId" : "1453212345678901250",
      "userLink" : "https://x.com/intent/user?user_id=1453212345678901250"
    }
  },
  {
    "following" : {
      "accountId" : "2244994945",
      "userLink" : "https://x.com/intent/user?user_id=2244994945"
    }
  },
  {
    "following" : {
      "accountId" : "9007199254740993",
      "userLink" : "https://x.com/intent/user?user_id=9007199254740993"
    }
  }
]