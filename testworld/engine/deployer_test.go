package engine

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
	"cross-account-s3/testworld/world"
)

// The deployer policy of each account (policydoc.DeployerPolicies, what `go run ./cmd/plan
// --deployer-policy` prints) covers every call the fake AWS logged for that account while each
// example stack was previewed, deployed, updated and destroyed, and names nothing wider than the
// documented scopes: the bucket, the key, the roles, the stack's VPCs and route tables, the
// account's VPC endpoints of the Region, and "*" only for EC2's Describe actions.
func TestEngineDeployerPoliciesCoverEveryCall(t *testing.T) {
	for _, f := range exampleStackFiles(t) {
		stack := stackName(t, f)
		t.Run(stack, func(t *testing.T) {
			text := readFile(t, f)
			s := specOf(t, text)
			e := newEngine(t, stack, text, worldFor(t, text))
			for _, op := range []string{"preview", "up"} {
				if r := e.run(op); r.err != nil {
					t.Fatalf("%s: %v\n%s", op, r.err, r.output)
				}
			}
			// A destroy deletes what it may (a protected bucket policy stops it, which is fine:
			// the deletes it made are logged).
			e.run("destroy")
			policies := map[string]policydoc.Document{}
			for _, d := range policydoc.DeployerPolicies(s, spec.SideBoth, nil) {
				policies[d.Account] = d.Policy
				checkScopes(t, s, d)
			}
			checked := 0
			for _, op := range e.calls() {
				for _, c := range callsOf(s, op) {
					checked++
					if !allows(policies[op.Account], c) {
						t.Errorf("account %s's deployer policy does not allow %s on %s %v (the fake logged %s %s %s)", op.Account, c.action, c.resource, c.context, op.Op, op.Type, op.ID)
					}
				}
			}
			if checked == 0 {
				t.Fatal("no call was checked")
			}
			t.Logf("%d calls checked against the deployer policies of %d accounts", checked, len(policies))
		})
	}
}

// call is one IAM authorisation an API call of the provider needs.
type call struct {
	action, resource string
	context          map[string]string
}

// callsOf maps what the fake logged to the IAM actions the real API calls are authorised as,
// following the provider's sources cited in policydoc/deployer.go.
func callsOf(s spec.Spec, op world.Op) []call {
	str := func(k string) string { v, _ := op.Inputs[k].(string); return v }
	region := op.Region
	bucket := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	ec2ARN := "arn:" + spec.Partition(region) + ":ec2:" + region + ":" + op.Account + ":"
	describe := func(actions ...string) []call {
		var out []call
		for _, a := range actions {
			out = append(out, call{action: a, resource: "*"})
		}
		return out
	}
	roleARN := func(name string) string {
		for _, c := range s.Consumers {
			for _, arn := range c.RoleARNs {
				if spec.RoleName(arn) == name && c.Account.ID == op.Account {
					return arn
				}
			}
		}
		return "arn:aws:iam::" + op.Account + ":role/" + name
	}
	endpoint := ec2ARN + "vpc-endpoint/" + op.ID
	routeTables := func() []call {
		var out []call
		rts, _ := op.Inputs["routeTableIds"].([]any)
		for _, rt := range rts {
			out = append(out, call{action: "ec2:ModifyVpcEndpoint", resource: ec2ARN + "route-table/" + rt.(string)})
		}
		return out
	}
	switch op.Op + " " + op.Type {
	case "invoke aws:s3/getBucket:getBucket":
		return []call{{action: "s3:ListBucket", resource: bucket}}
	case "invoke aws:s3/getBucketPolicy:getBucketPolicy":
		return []call{{action: "s3:GetBucketPolicy", resource: bucket}}
	case "invoke aws:iam/getRole:getRole":
		return []call{{action: "iam:GetRole", resource: roleARN(str("name"))}}
	case "invoke aws:ec2/getRouteTable:getRouteTable", "invoke aws:ec2/getRouteTables:getRouteTables":
		return describe("ec2:DescribeRouteTables")
	case "invoke aws:ec2/getVpcEndpoint:getVpcEndpoint":
		return describe("ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists")
	case "invoke aws:ec2/getPrefixList:getPrefixList":
		return describe("ec2:DescribePrefixLists")
	case "invoke aws:kms/getKey:getKey":
		return []call{{action: "kms:DescribeKey", resource: s.Bucket.Encryption.KMSKeyARN}}
	case "create aws:s3/bucketPolicy:BucketPolicy", "update aws:s3/bucketPolicy:BucketPolicy":
		return []call{{action: "s3:PutBucketPolicy", resource: bucket}, {action: "s3:GetBucketPolicy", resource: bucket}}
	case "delete aws:s3/bucketPolicy:BucketPolicy":
		return []call{{action: "s3:DeleteBucketPolicy", resource: bucket}, {action: "s3:GetBucketPolicy", resource: bucket}}
	case "read aws:s3/bucketPolicy:BucketPolicy":
		return []call{{action: "s3:GetBucketPolicy", resource: bucket}}
	case "create aws:ec2/vpcEndpoint:VpcEndpoint":
		out := []call{
			{action: "ec2:CreateVpcEndpoint", resource: ec2ARN + "vpc-endpoint/*"},
			{action: "ec2:CreateVpcEndpoint", resource: ec2ARN + "vpc/" + str("vpcId")},
			{action: "ec2:CreateTags", resource: ec2ARN + "vpc-endpoint/*", context: map[string]string{"ec2:createaction": "CreateVpcEndpoint"}},
		}
		for _, rt := range routeTables() {
			out = append(out, call{action: "ec2:CreateVpcEndpoint", resource: rt.resource})
		}
		return append(out, describe("ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists")...)
	case "update aws:ec2/vpcEndpoint:VpcEndpoint":
		out := append([]call{{action: "ec2:ModifyVpcEndpoint", resource: endpoint}, {action: "ec2:CreateTags", resource: endpoint}, {action: "ec2:DeleteTags", resource: endpoint}}, routeTables()...)
		return append(out, describe("ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists")...)
	case "delete aws:ec2/vpcEndpoint:VpcEndpoint":
		return append([]call{{action: "ec2:DeleteVpcEndpoints", resource: endpoint}}, describe("ec2:DescribeVpcEndpoints")...)
	case "read aws:ec2/vpcEndpoint:VpcEndpoint":
		return describe("ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists")
	case "create aws:iam/rolePolicy:RolePolicy", "update aws:iam/rolePolicy:RolePolicy":
		return []call{{action: "iam:PutRolePolicy", resource: roleARN(str("role"))}, {action: "iam:GetRolePolicy", resource: roleARN(str("role"))}}
	case "delete aws:iam/rolePolicy:RolePolicy":
		return []call{{action: "iam:DeleteRolePolicy", resource: roleARN(str("role"))}}
	case "read aws:iam/rolePolicy:RolePolicy":
		return []call{{action: "iam:GetRolePolicy", resource: roleARN(str("role"))}}
	case "create aws:kms/grant:Grant":
		return []call{{action: "kms:CreateGrant", resource: s.Bucket.Encryption.KMSKeyARN, context: map[string]string{"kms:granteeprincipal": str("granteePrincipal")}},
			{action: "kms:ListGrants", resource: s.Bucket.Encryption.KMSKeyARN}}
	case "delete aws:kms/grant:Grant":
		return []call{{action: "kms:RevokeGrant", resource: s.Bucket.Encryption.KMSKeyARN}}
	case "read aws:kms/grant:Grant":
		return []call{{action: "kms:ListGrants", resource: s.Bucket.Encryption.KMSKeyARN}}
	}
	return nil // configure: sts:GetCallerIdentity needs no permission
}

// allows: some Allow statement names the action and the resource (wildcards * and ?), and its
// conditions (StringEquals, StringLike) hold in the call's context; a key missing there fails.
func allows(doc policydoc.Document, c call) bool {
	for _, raw := range doc.Statement {
		st, ok := raw.(policydoc.Statement)
		if !ok || st.Effect != "Allow" || !anyMatch(st.Action, c.action, true) || !anyMatch(st.Resource, c.resource, false) {
			continue
		}
		holds := true
		for op, keys := range st.Condition {
			for k, values := range keys {
				v, present := c.context[strings.ToLower(k)]
				holds = holds && present && anyMatch(values, v, false) && (op == "StringLike" || slices.Contains(values, v))
			}
		}
		if holds {
			return true
		}
	}
	return false
}

func anyMatch(patterns []string, v string, fold bool) bool {
	for _, p := range patterns {
		expr := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*"), `\?`, ".") + "$"
		if fold {
			expr = "(?i)" + expr
		}
		if regexp.MustCompile(expr).MatchString(v) {
			return true
		}
	}
	return false
}

// checkScopes: every resource a deployer statement names is one of the documented scopes.
func checkScopes(t *testing.T, s spec.Spec, d policydoc.Deployer) {
	t.Helper()
	allowed := map[string]bool{spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name): true}
	if k := s.Bucket.Encryption.KMSKeyARN; k != "" {
		allowed[k] = true
	}
	for _, c := range s.Consumers {
		for _, arn := range c.RoleARNs {
			allowed[arn] = true
		}
		ec2 := "arn:" + spec.Partition(c.Account.Region) + ":ec2:" + c.Account.Region + ":" + c.Account.ID + ":"
		allowed[ec2+"vpc/"+c.VpcID] = true
		allowed[ec2+"vpc-endpoint/*"] = true
		for _, rt := range c.RouteTableIDs {
			allowed[ec2+"route-table/"+rt] = true
		}
	}
	for _, raw := range d.Policy.Statement {
		st := raw.(policydoc.Statement)
		for _, r := range st.Resource {
			describeOnly := true
			for _, a := range st.Action {
				describeOnly = describeOnly && strings.HasPrefix(a, "ec2:Describe")
			}
			if !allowed[r] && !(r == "*" && describeOnly) {
				b, _ := json.Marshal(st)
				t.Errorf("account %s: statement %s names %s, outside the documented scopes", d.Account, b, r)
			}
		}
	}
}
