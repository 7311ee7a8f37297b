package handlers

// RecoveryArgonOps exposes the count of argon2 operations of the recovery
// steps to the tests of package handlers_test.
func RecoveryArgonOps() int64 { return recoveryArgonOps.Load() }
