window.YTD.block.part0 = [
  {
    "blocking" : {
      "accountId" : "555",
      "userLink" : "https://twitter.com/intent/user?user_id=555"
    }
  }
]