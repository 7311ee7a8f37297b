// Package e2e holds the headless-browser tests of the portal: keyboard-only
// journeys in Chromium, axe-core accessibility checks on every page reached,
// transfer-size budgets on first loads, and reflow checks on narrow screens.
//
// Run them with a throwaway PostgreSQL and Debian's chromium-headless-shell
// (or chromium; see browserNames):
//
//	export TEST_DATABASE_URL=$(.ci/pg start test)
//	go test -count=1 ./e2e/ -v
//
// axe-core comes from e2e/node_modules (installed by .ci/deps). The measured
// budgets are written to e2e/artifacts/budgets.txt.
package e2e
