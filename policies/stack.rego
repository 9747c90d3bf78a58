package cross_account_s3

import rego.v1

# The two sides must run on providers pinned to two different accounts: the endpoint in the
# consumer's, the bucket policy in the owner's. One unpinned provider, or both on one account,
# means one side is being deployed into the wrong account.
stack_deny_accounts_not_distinct contains msg if {
	some endpoint in input.resources
	s3_endpoint(endpoint)
	some policy in input.resources
	policy.type == bucket_policy_type
	not distinct_pinned_accounts(endpoint, policy)
	msg := sprintf("S3 endpoint %q and bucket policy %q must sit on providers pinned (allowedAccountIds) to two different accounts; found %v and %v", [endpoint.name, policy.name, account_or_unpinned(endpoint.provider), account_or_unpinned(policy.provider)])
}

distinct_pinned_accounts(a, b) if {
	pinned_account(a.provider) != pinned_account(b.provider)
}

account_or_unpinned(provider) := acct if acct := pinned_account(provider)

account_or_unpinned(provider) := "unpinned" if not pinned_account(provider)
