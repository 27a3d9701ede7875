window.YTD.following.part1 = [
  {
    "following" : {
      "accountId" : "103",
      "userLink" : "https://twitter.com/intent/user?user_id=103"
    }
  },
  {
    "following" : {
      "accountId" : "1453212345678901250",
      "userLink" : "https://twitter.com/intent/user?user_id=1453212345678901250"
    }
  }
]
