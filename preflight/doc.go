// Package preflight reads nothing and writes nothing: it judges what the stack's read-only
// lookups found in the live accounts before anything is written, so that nothing is lost and
// nothing is guessed. It has no Pulumi dependency: Lookups lists the lookups (function, arguments,
// account and the stack's own account-pinned provider to make each through), Gather makes them
// through an Invoker the program supplies and records the answers as Facts, and Check judges them.
// The program calls Gather and Check in preview and again in up, before registering any resource
// that writes; DecideLifecycle says how to register the bucket policy and the endpoints.
//
// # Destroy: what it leaves, and why this way
//
// The aim: `pulumi destroy` leaves the bucket with the statements it had before this stack took
// it over (the kept statements), or with no policy where it had none. pulumi-aws's BucketPolicy
// deletes with DeleteBucketPolicy, the whole document, and a destroy only deletes: no resource of
// pulumi-aws writes a bucket policy when it is deleted. The options weighed:
//
//   - Resource hooks (ctx.RegisterResourceHook, an AfterDelete hook writing the kept statements
//     back). A hook runs in the program, which cannot write a bucket policy: that needs an AWS SDK
//     client of its own, authenticated as each provider is (profile, role to assume, external ID,
//     account pin), a second implementation of the provider's credentials that the engine tests'
//     fake AWS cannot serve. The engine also refuses `pulumi destroy` without --run-program once
//     any resource has a delete hook (checked: "You must run with the `--run-program` flag to use
//     delete hooks during destroy"), and an after-hook that fails has already lost the policy.
//     Rejected.
//   - RetainOnDelete on the bucket policy alone. The destroy then leaves the full document: this
//     stack's Allows (still admitting roles through adopted endpoints, which outlive the stack)
//     and the perimeter Deny (still refusing the consumer accounts outside endpoints), forgotten
//     by the state. Not "the statements it had before". Rejected as the default.
//   - A second resource that writes the kept statements back. Two BucketPolicy resources on one
//     bucket overwrite each other, and in a destroy both are only deleted (dependents first), so
//     the last call is a delete whichever order. Impossible.
//   - Chosen: a release step, and Protect until it is taken (DecideLifecycle). While kept
//     statements exist, the bucket policy is protected: `pulumi destroy` fails in its preview
//     before deleting anything (checked; run without its preview it deletes only the role
//     policies, which do not wait for the bucket policy). releaseBucketPolicy: true then makes
//     `pulumi up` write the kept statements alone, unprotected and retained on delete, so that
//     `pulumi destroy` leaves exactly them and forgets the resource. Without kept statements the
//     destroy deletes the policy, which leaves none, as before this stack. The cost: one more
//     `pulumi up` before a destroy that must keep statements, and consumers lose access at that
//     up, not at the destroy. testworld/engine pins the engine facts used here
//     (lifecycle_test.go) and runs the whole life on the real engine with a program of its own
//     (preflight_test.go): a foreign statement stops preview and up, KeepCommand keeps it, destroy's
//     preview stops at the protected policy, and after release and destroy the bucket holds
//     exactly the statement it had before.
//
// The keys that protect from deletion, decided per resource:
//
//   - protectBucketPolicy → pulumi.Protect, not RetainOnDelete: a retained policy "survives" a
//     destroy or a rename of the bucket with this stack's grants and Deny in it, silently and
//     forgotten; a protected one stops the destroy (or the update that would delete it) in its
//     preview, and the user decides.
//   - protectEndpoints → pulumi.Protect, not RetainOnDelete: a retained endpoint keeps its routes
//     and its StackTagKey tag after the stack forgot it, so a later `pulumi up` of this stack would
//     take it for its own and create a second endpoint on the same route tables
//     (RouteAlreadyExists); a retained endpoint being replaced keeps its routes likewise. Protect
//     fails first and keeps the state and AWS in step. To keep an endpoint after the stack, adopt
//     it: `pulumi state delete` it and set adoptEndpointId, which preflight then checks.
//
// # What it checks
//
//   - The bucket exists and is in bucketRegion (s3.LookupBucket).
//   - The live bucket policy (s3.LookupBucketPolicy) is what the stack wrote in its last update
//     (Record: its bucketPolicy output), statement by statement, once normalised as AWS stores a
//     policy (see Drift). Pulumi writes the policy only when the generated document changes, so an
//     out-of-band edit (a backdoor, a weakened or deleted Deny, a widened kept statement) would
//     stay live through plain updates: any difference stops preview and up, listing each added,
//     changed or removed statement, with the fix: `pulumi refresh` (the state then holds the live
//     document), then `pulumi up`, which writes the stack's document back because its input
//     differs from that state. When the state already holds the live document, preview warns
//     what the update undoes and lets it go on.
//   - With no record (a first deployment, right after a state move), a statement is the stack's
//     own only if it equals one the stack would write now (rendered with the endpoint IDs known:
//     adopted, found by tag, or from consumer stacks), or kept (in extraBucketPolicyStatements,
//     by Sid or by content, and unchanged). Any other statement, whatever its Sid, fails the
//     preview, listed, with the exact stack-file YAML that keeps it (and a `pulumi config set-all
//     --json` command that writes the same), unless dropForeignBucketPolicyStatements is true
//     (then a warning lists what pulumi up deletes). Principals IAM rewrote to unique IDs (AROA…,
//     AIDA…) are not edits; they are reported as deleted, or deleted and created again, roles,
//     with what to do.
//   - Every consumer role exists, with the configured ARN (iam.LookupRole): all missing roles at
//     once, each with its account.
//   - Every route table exists and belongs to vpcId (ec2.LookupRouteTable).
//   - No S3 gateway endpoint but this stack's own (tag StackTagKey) already serves a listed route
//     table (ec2.LookupVpcEndpoint by VPC and service: the route-table lookup leaves routes to
//     gateway endpoints out). One found: reported by ID with the adoptEndpointId line to add;
//     several: ec2.GetRouteTables on S3's prefix list tells which route tables are served.
//   - An adopted endpoint is an S3 gateway endpoint of the Region, in vpcId, on every listed
//     route table (CheckAdopted, as crossaccount always did).
//
// A lookup refused for lack of permission names the permission, the account and the provider,
// and how to run without preflight (preflight: false, which preview then warns about).
//
// # Limits
//
// The record is the stack's own output: whoever can write the stack's state can change it, as
// they can change everything else the stack deploys. A statement IAM rewrote to a unique ID is
// taken as the recorded principal it replaces (a deleted role is no edit); an edit that swaps a
// recorded principal for some other unique ID is not told apart from that.
package preflight
