window.YTD.following.part0 = [
  {
    "following" : {
      "accountId" : "101",
      "userLink" : "https://twitter.com/intent/user?user_id=101"
    }
  },
  {
    "following" : {
      "accountId" : "102",
      "userLink" : "https://twitter.com/intent/user?user_id=102"
    }
  }
]