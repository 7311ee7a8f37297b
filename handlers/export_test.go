package handlers

// DemoIdPUsers are the identities of the demo IdP, for tests.
var DemoIdPUsers = demoUsers
