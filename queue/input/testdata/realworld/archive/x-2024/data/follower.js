window.YTD.follower.part0 = [
  {
    "follower" : {
      "accountId" : "12",
      "userLink" : "https://x.com/intent/user?user_id=12"
    }
  },
  {
    "follower" : {
      "accountId" : "1602345678912345601",
      "userLink" : "https://x.com/intent/user?user_id=1602345678912345601"
    }
  }
]