window.YTD.mute.part0 = [
  {
    "muting" : {
      "accountId" : "556",
      "userLink" : "https://twitter.com/intent/user?user_id=556"
    }
  }
]