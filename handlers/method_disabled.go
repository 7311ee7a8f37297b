package handlers

// InactiveView says a sign-in method is not enabled for this Comune.
type InactiveView struct {
	Base
	Title, Body string
}
