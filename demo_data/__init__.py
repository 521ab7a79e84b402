"""The demo's data: the seeded support-group conversation with its ledger (generator) and the small sample
conversation checked by hand (conversation). Used by local/, standins/ (the sample), bench/ and the tests.
Imports only the deployed code (stacks/, lambdas/, analytics/), none of the other tools."""
