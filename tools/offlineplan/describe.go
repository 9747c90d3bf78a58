package offlineplan

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/crossaccount"
	"cross-account-s3/policydoc"
	"cross-account-s3/preflight"
	"cross-account-s3/spec"
	"cross-account-s3/tools/offline"
)

const (
	typeProvider      = "pulumi:providers:aws"
	secretText        = "[secret]"
	policyPlaceholder = "(shown with the documents)"
)

var documentTitles = map[string]string{
	"aws:s3/bucketPolicy:BucketPolicy": "Bucket policy",
	"aws:ec2/vpcEndpoint:VpcEndpoint":  "Endpoint policy",
	"aws:iam/rolePolicy:RolePolicy":    "Role policy",
}

// describe groups what the program registered by provider (account), and lifts policies out.
func (p *Deployment) describe(s spec.Spec, m *offline.Mocks) {
	byProvider := map[string]*Account{}
	for _, r := range m.OfType(typeProvider) {
		a := providerAccount(r)
		a.Consumers = consumersOf(s, r.Name)
		byProvider[r.Name] = &a
	}
	for _, r := range m.Resources {
		if !r.Custom || r.Type == typeProvider {
			continue
		}
		a := byProvider[r.ProviderName()]
		if a == nil {
			a = &Account{Side: "no explicit provider", Provider: "(default)"}
			byProvider[""] = a
		}
		a.Resources = append(a.Resources, p.resource(r))
	}
	for _, call := range m.Invokes {
		name := offline.Resource{Provider: call.Provider}.ProviderName()
		id := stringOf(call.Args["id"])
		if id == "" {
			id = stringOf(call.Args["keyId"])
		}
		// Preflight's lookups have their own section (Deployment.Preflight); the adopted endpoint's by
		// ID is also the component's own read.
		if preflightCall(call.Token) && !(call.Token == string(preflight.CallVpcEndpoint) && id != "") {
			continue
		}
		if a := byProvider[name]; a != nil && !slices.Contains(a.Reads, call.Token+" "+id) {
			a.Reads = append(a.Reads, call.Token+" "+id)
		}
	}
	p.keyPermissions(s, byProvider)
	for _, a := range byProvider {
		sort.Strings(a.Reads)
		sort.Slice(a.Resources, func(i, j int) bool {
			return a.Resources[i].Type+a.Resources[i].Name < a.Resources[j].Type+a.Resources[j].Name
		})
		p.Accounts = append(p.Accounts, *a)
	}
	sort.Slice(p.Accounts, func(i, j int) bool { return accountOrder(p.Accounts[i]) < accountOrder(p.Accounts[j]) })
	sort.Slice(p.Documents, func(i, j int) bool {
		return p.Documents[i].Title+p.Documents[i].Resource < p.Documents[j].Title+p.Documents[j].Resource
	})
}

// roleKeyPolicyTitle titles the key statements a role whose identity policy the stack does not
// manage needs.
const roleKeyPolicyTitle = "Role key policy (add to the role)"

// keyPermissions lists, for a KMS bucket, each role's grant in the bucket owner's account and its
// key statements in its own account; for a role whose policy the stack does not manage, the
// statements it needs are added as a document.
func (p *Deployment) keyPermissions(s spec.Spec, byProvider map[string]*Account) {
	if !s.Bucket.Encryption.KMS() {
		return
	}
	l := s.Layout()
	if owner := byProvider[l.Owner.Provider]; owner != nil {
		for _, g := range l.KeyGrants {
			constraint := "none (no S3 Bucket Key: the grant cannot be limited to the bucket)"
			for _, c := range g.Constraints {
				constraint = "encryption context " + render(c.EncryptionContextSubset)
			}
			owner.KeyPermissions = append(owner.KeyPermissions, KeyPermission{Role: g.RoleARN, Consumer: g.Consumer,
				Grant: g.Name, Operations: g.Operations, Constraint: constraint})
		}
	}
	for _, a := range l.Accounts {
		for _, pg := range a.Providers {
			account := byProvider[pg.Name]
			if account == nil {
				continue
			}
			for _, c := range pg.Consumers {
				actions := policydoc.KeyActions(c.Access)
				if len(actions) == 0 {
					continue
				}
				for _, arn := range c.RoleARNs {
					statement := "in the managed role policy (" + policydoc.SidRoleKey + ", " + policydoc.SidRoleKeyOutsideS3 + ")"
					if !c.ManageRolePolicy {
						statement = "NOT MANAGED: add the statements of \"" + roleKeyPolicyTitle + " of " + arn + "\" to the role's identity policy"
						p.Documents = append(p.Documents, Document{Title: roleKeyPolicyTitle, Resource: arn,
							Policy: json.RawMessage(policydoc.RoleKeyPolicy(s, c).JSON())})
					}
					account.KeyPermissions = append(account.KeyPermissions, KeyPermission{Role: arn, Consumer: c.Name,
						Operations: actions, Statement: statement})
				}
			}
		}
	}
}

// accountOrder puts the bucket owner first, then consumers by name.
func accountOrder(a Account) string {
	if strings.HasPrefix(a.Side, "bucket owner") {
		return "0"
	}
	return "1" + a.AccountID + "/" + a.Provider
}

func (p *Deployment) resource(r offline.Resource) Resource {
	inputs := map[string]any{}
	for k, v := range r.Inputs {
		inputs[string(k)] = offline.Plain(v, secretText, KnownAfterDeploy("value"))
	}
	if title, ok := documentTitles[r.Type]; ok && r.Str("policy") != "" {
		p.Documents = append(p.Documents, Document{Title: title, Resource: r.Name, Policy: json.RawMessage(r.Str("policy"))})
		inputs["policy"] = policyPlaceholder
	}
	return Resource{Type: r.Type, Name: r.Name, Inputs: inputs}
}

func providerAccount(r offline.Resource) Account {
	a := Account{Provider: r.Name, Region: r.Str("region"), Side: side(r.Parent)}
	if ids := r.Inputs["allowedAccountIds"]; ids.IsArray() && len(ids.ArrayValue()) == 1 {
		a.AccountID = ids.ArrayValue()[0].StringValue()
	}
	creds := spec.Credentials{Profile: r.Str("profile")}
	extra := ""
	if ar := r.Inputs["assumeRole"]; ar.IsObject() {
		role := ar.ObjectValue()
		creds.AssumeRoleARN = stringOf(role["roleArn"])
		if role.HasValue("externalId") {
			extra += ", external ID " + secretText
		}
		if name := stringOf(role["sessionName"]); name != "" {
			extra += ", session name " + name
		}
	}
	a.Credentials = creds.Mode() + extra
	if dt := r.Inputs["defaultTags"]; dt.IsObject() {
		if tags := dt.ObjectValue()["tags"]; tags.IsObject() {
			a.DefaultTags = map[string]string{}
			for k, v := range tags.ObjectValue() {
				a.DefaultTags[string(k)] = stringOf(v)
			}
		}
	}
	return a
}

// side names the account side from the provider's parent component.
func side(parent string) string {
	urn := resource.URN(parent)
	if !urn.IsValid() {
		return "unknown"
	}
	switch string(urn.Type()) {
	case crossaccount.TypeBucketOwnerAccount:
		return "bucket owner"
	case crossaccount.TypeConsumerAccount:
		return "consumer"
	}
	return string(urn.Type())
}

// consumersOf names the consumers whose resources a provider manages.
func consumersOf(s spec.Spec, provider string) []string {
	var names []string
	for _, a := range s.Layout().Accounts {
		for _, p := range a.Providers {
			if p.Name == provider {
				for _, c := range p.Consumers {
					names = append(names, c.Name)
				}
			}
		}
	}
	return spec.SortedUnique(names)
}

func stringOf(v resource.PropertyValue) string {
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// preflightCall says whether an invoke token is one of preflight's lookups.
func preflightCall(token string) bool {
	switch preflight.Call(token) {
	case preflight.CallBucket, preflight.CallBucketPolicy, preflight.CallRole, preflight.CallRouteTable,
		preflight.CallVpcEndpoint, preflight.CallPrefixList, preflight.CallRouteTables:
		return true
	}
	return false
}
