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
      "accountId" : "1600",
      "userLink" : "https://twitter.com/intent/user?user_id=1600"
    }
  },
  {
    "following" : {
      "accountId" : "6253282",
      "userLink" : "https://twitter.com/intent/user?user_id=6253282"
    }
  },
  {
    "following" : {
      "accountId" : "50393960",
      "userLink" : "https://twitter.com/intent/user?user_id=50393960"
    }
  },
  {
    "following" : {
      "accountId" : "2244994945",
      "userLink" : "https://twitter.com/intent/user?user_id=2244994945"
    }
  },
  {
    "following" : {
      "accountId" : "1456789012345678901",
      "userLink" : "https://twitter.com/intent/user?user_id=1456789012345678901"
    }
  },
  {
    "following" : {
      "accountId" : "1234567890123456789",
      "userLink" : "https://twitter.com/intent/user?user_id=1234567890123456789"
    }
  },
  {
    "following" : {
      "accountId" : "9007199254740993",
      "userLink" : "https://twitter.com/intent/user?user_id=9007199254740993"
    }
  },
  {
    "following" : {
      "accountId" : "1583150993214603264",
      "userLink" : "https://twitter.com/intent/user?user_id=1583150993214603264"
    }
  },
  {
    "following" : {
      "accountId" : "44196397",
      "userLink" : "https://twitter.com/intent/user?user_id=44196397"
    }
  },
  {
    "following" : {
      "accountId" : "1750281094765133824",
      "userLink" : "https://twitter.com/intent/user?user_id=1750281094765133824"
    }
  }
]