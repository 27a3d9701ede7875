window.YTD.following.part0 = [
  {
    "following" : {
      "accountId" : "12",
      "userLink" : "https://twitter.com/intent/user?user_id=12"
    }
  },
  {
    "following" : {
      "accountId" : "783214",
      "userLink" : "https://twitter.com/intent/user?user_id=783214"
    }
  },
  {
    "following" : {
      "accountId" : "1602345678912345601",
      "userLink" : "https://twitter.com/intent/user?user_id=1602345678912345601"
    }
  }
]
