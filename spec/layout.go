package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
)

// Layout is what a spec deploys, decided once, before anything is created (the way awsx decides a
// VPC's subnets first): the owner's provider and bucket policy; the consumer accounts, each with
// its providers (one per set of credentials), its endpoints (one per VPC, created or adopted, on
// the union of its consumers' route tables) and its role policies; and the bucket policy's grants.
// Every logical name is in it (names.go). Validation across consumers, the documents and their
// size checks, the component and the offline plan all walk a Layout; nothing else groups
// consumers. Groups are ordered by what they manage (account, VPC, role), never by list position.
type Layout struct {
	Spec  Spec
	Owner Owner
	// Accounts are the consumer accounts, by account ID.
	Accounts []ConsumerAccount
	// Endpoints are every consumer account's endpoints, by account ID then VPC ID.
	Endpoints []EndpointGroup
	// Grants are the bucket policy's Allow groups, in the order the policy lists them.
	Grants []Grant
	// KeyGrants are the KMS grants on the bucket's key (Bucket.Encryption), created with the
	// owner's provider under the owner's component: one per role of every consumer whose access
	// uses the key, by logical name; none without a key.
	KeyGrants []KeyGrant
}

// Owner is the bucket owner's side.
type Owner struct {
	// Component and Provider are logical names.
	Component, Provider string
	// BucketPolicy is the logical name of the bucket's one policy.
	BucketPolicy string
}

// ConsumerAccount is one consumer account and what the stack manages in it.
type ConsumerAccount struct {
	ID     string
	Region string
	// Component is the logical name of the account's component.
	Component string
	// Providers are the distinct credentials used for this account, by name.
	Providers []ProviderGroup
	// Endpoints are the account's endpoints, by VPC ID.
	Endpoints []EndpointGroup
	// RolePolicies are the inline policies on the account's roles (manageRolePolicy), by name.
	RolePolicies []RolePolicy
}

// ProviderGroup is one provider: an account reached with one set of credentials.
type ProviderGroup struct {
	Name        string
	Account     Account
	Consumers   []Consumer
	credentials string
}

// EndpointGroup is one gateway endpoint and the consumers whose traffic it carries.
type EndpointGroup struct {
	// Name is the endpoint's logical name, Provider its provider's.
	Name, Provider string
	AccountID      string
	Region         string
	VpcID          string
	// Consumers share the endpoint, ordered by name.
	Consumers []Consumer
	// RouteTableIDs is every route table the consumers list, in their order, without repeats.
	RouteTableIDs []string
	AdoptID       string
	Policy        EndpointPolicyMode
	// AllowedBuckets is every bucket the consumers list, in their order, each once (the first
	// consumer's Write flag counts; validation refuses consumers that disagree on it).
	AllowedBuckets []AllowedBucket
}

// RolePolicy is this stack's inline policy on one role.
type RolePolicy struct {
	// Name is the logical name; Alias the name stacks deployed before it followed the role used.
	Name, Alias string
	Provider    string
	Consumer    Consumer
	RoleARN     string
	// Role is the role's name; PolicyName the inline policy's name in IAM.
	Role, PolicyName string
}

// KeyGrant is one KMS grant on the bucket's key for one consumer role, as pulumi-aws kms.Grant
// (aws:kms/grant:Grant) takes it, created with the bucket account's provider. Every input of that
// resource forces a replacement (terraform-provider-aws internal/service/kms/grant.go: constraints,
// grant_creation_tokens, grantee_principal, key_id, name, operations, retire_on_delete and
// retiring_principal are all ForceNew, and the resource has no Update), so a grant is never
// changed in place: a change of a role's access replaces its grant (the new one is created before
// the old one is revoked).
//
// The grant is given no name of its own (kms.Grant's optional Name) on purpose: with a name,
// CreateGrant is idempotent ("When this value is present, you can retry a CreateGrant request
// with identical parameters; if the grant already exists, the original GrantId is returned without
// creating a new grant", KMS API Reference, CreateGrant, Name), so a replacement that keeps the
// KMS parameters (a changed URN without an alias, a changed retireOnDelete) would get the very
// grant it replaces back from its create, and then revoke it in the delete: the role would lose
// the key, silently. Without a name each create makes a new grant, and a replacement overlaps.
type KeyGrant struct {
	// Name is the Pulumi logical name, "key-grant-<account>-<role>": after the role's account and
	// name, which is the grantee, never after a consumer name or list position, so that renaming or
	// reordering consumers changes no grant.
	Name string `json:"name"`
	// Consumer is the consumer the role belongs to, for display only.
	Consumer string `json:"consumer"`
	// AccountID is the role's (the grantee's) account.
	AccountID string `json:"accountId"`
	// KeyID is the key ARN (a grant for another account's key must name it by ARN; here it is the
	// provider's own account's key, named the same way).
	KeyID string `json:"keyId"`
	// RoleARN is the grantee principal.
	RoleARN string `json:"granteePrincipal"`
	// Operations are the grant operations the role's access needs, sorted.
	Operations []string `json:"operations"`
	// Constraints limit the grant to this bucket's encryption context (aws:s3:arn = the bucket
	// ARN) when the bucket uses an S3 Bucket Key; nil otherwise, because without a Bucket Key each
	// object's ARN is the context and grant constraints match values exactly ("A list of key-value
	// pairs that must be included in the encryption context of the cryptographic operation
	// request", docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html), so no
	// constraint can name all of a bucket's objects. A grant cannot test kms:ViaService at all; the
	// role policy's Deny does that.
	Constraints []GrantConstraint `json:"constraints,omitempty"`
}

// GrantConstraint is one pulumi-aws kms.GrantConstraint (only one of its maps may be set).
type GrantConstraint struct {
	EncryptionContextEquals map[string]string `json:"encryptionContextEquals,omitempty"`
	EncryptionContextSubset map[string]string `json:"encryptionContextSubset,omitempty"`
}

// S3EncryptionContextKey is the encryption context key S3 sets: the bucket's ARN with an S3 Bucket
// Key, else the object's.
const S3EncryptionContextKey = "aws:s3:arn"

// Grant is one group of the bucket policy's Allows: the consumers that share its statements, with
// their roles; the endpoint IDs are known only once the endpoints exist.
type Grant struct {
	// ID ends the statements' Sids: a hash of the access, and the VPC with per-endpoint grouping.
	ID     string
	Access Access
	// Roles are the consumers' role ARNs, sorted, each once.
	Roles []string
	// Consumers are the names of the consumers whose endpoints the grant admits.
	Consumers []string
	sortKey   string
}

// Layout decides the deployment of the spec. It is meaningful for any spec (validation walks it to
// find consumers that disagree), but only a valid spec's layout is deployed.
func (s Spec) Layout() Layout {
	l := Layout{Spec: s, Owner: Owner{Component: ownerName, Provider: ownerName, BucketPolicy: bucketPolicyName(s.Bucket.Name)}}
	l.Accounts = consumerAccounts(s)
	for i := range l.Accounts {
		a := &l.Accounts[i]
		a.Endpoints = endpointGroups(a)
		a.RolePolicies = rolePolicies(s, a)
		l.Endpoints = append(l.Endpoints, a.Endpoints...)
	}
	l.Grants = grants(s)
	l.KeyGrants = keyGrants(s)
	return l
}

// keyGrants are the grants on the bucket's key: one per role of every consumer whose access needs
// the key, ordered by logical name; none when the bucket has no KMS key. Removing a consumer
// removes only its roles' grants; nothing else on the key (its policy, other grants) is read or
// written.
func keyGrants(s Spec) []KeyGrant {
	e := s.Bucket.Encryption
	if !e.KMS() {
		return nil
	}
	var constraints []GrantConstraint
	if e.BucketKey {
		constraints = []GrantConstraint{{EncryptionContextSubset: map[string]string{
			S3EncryptionContextKey: BucketARN(s.Bucket.Account.Region, s.Bucket.Name),
		}}}
	}
	var out []KeyGrant
	for _, c := range s.Consumers {
		ops := GrantOperations(c.Access)
		if len(ops) == 0 {
			continue
		}
		for _, arn := range c.RoleARNs {
			role := RoleName(arn)
			out = append(out, KeyGrant{Name: keyGrantName(c.Account.ID, role), Consumer: c.Name, AccountID: c.Account.ID,
				KeyID: e.KMSKeyARN, RoleARN: arn, Operations: ops, Constraints: constraints})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// EndpointOf is the endpoint that carries a consumer's traffic.
func (l Layout) EndpointOf(consumer string) (EndpointGroup, bool) {
	for _, g := range l.Endpoints {
		for _, c := range g.Consumers {
			if c.Name == consumer {
				return g, true
			}
		}
	}
	return EndpointGroup{}, false
}

// ProviderOf is the name of the provider that manages a consumer's resources.
func (l Layout) ProviderOf(consumer string) string {
	for _, a := range l.Accounts {
		for _, p := range a.Providers {
			for _, c := range p.Consumers {
				if c.Name == consumer {
					return p.Name
				}
			}
		}
	}
	return ""
}

// SortedConsumers returns the consumers ordered by name.
func (s Spec) SortedConsumers() []Consumer {
	out := append([]Consumer{}, s.Consumers...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// consumerAccounts groups the consumers by account, then by credentials, ordered by account ID.
func consumerAccounts(s Spec) []ConsumerAccount {
	var accounts []ConsumerAccount
	index := map[string]int{}
	for _, c := range s.SortedConsumers() {
		i, ok := index[c.Account.ID]
		if !ok {
			i = len(accounts)
			index[c.Account.ID] = i
			accounts = append(accounts, ConsumerAccount{ID: c.Account.ID, Region: c.Account.Region, Component: consumerAccountName(c.Account.ID)})
		}
		accounts[i].add(c)
	}
	for i := range accounts {
		accounts[i].nameProviders()
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].ID < accounts[j].ID })
	return accounts
}

func (a *ConsumerAccount) add(c Consumer) {
	key := credentialsKey(c.Account.Credentials)
	for i := range a.Providers {
		if a.Providers[i].credentials == key {
			a.Providers[i].Consumers = append(a.Providers[i].Consumers, c)
			return
		}
	}
	a.Providers = append(a.Providers, ProviderGroup{Account: c.Account, Consumers: []Consumer{c}, credentials: key})
}

func (a *ConsumerAccount) nameProviders() {
	for i := range a.Providers {
		p := &a.Providers[i]
		p.Name = consumerProviderName(a.ID, p.credentials, len(a.Providers) > 1)
	}
	sort.Slice(a.Providers, func(i, j int) bool { return a.Providers[i].Name < a.Providers[j].Name })
}

// providerOf is the provider of a consumer of the account.
func (a ConsumerAccount) providerOf(consumer string) string {
	for _, p := range a.Providers {
		for _, c := range p.Consumers {
			if c.Name == consumer {
				return p.Name
			}
		}
	}
	return ""
}

// endpointGroups groups an account's consumers by VPC, ordered by VPC. The endpoint is managed
// by the provider of its first consumer by name (validation refuses consumers of one VPC with
// different credentials).
func endpointGroups(a *ConsumerAccount) []EndpointGroup {
	var consumers []Consumer
	for _, p := range a.Providers {
		consumers = append(consumers, p.Consumers...)
	}
	sort.Slice(consumers, func(i, j int) bool { return consumers[i].Name < consumers[j].Name })
	index := map[string]int{}
	var groups []EndpointGroup
	for _, c := range consumers {
		i, ok := index[c.VpcID]
		if !ok {
			i = len(groups)
			index[c.VpcID] = i
			groups = append(groups, EndpointGroup{Name: endpointName(c.VpcID), Provider: a.providerOf(c.Name),
				AccountID: a.ID, Region: c.Account.Region, VpcID: c.VpcID, AdoptID: c.Endpoint.AdoptID, Policy: c.Endpoint.Policy})
		}
		g := &groups[i]
		g.Consumers = append(g.Consumers, c)
		g.RouteTableIDs = appendNew(g.RouteTableIDs, c.RouteTableIDs...)
		g.AllowedBuckets = appendNewBuckets(g.AllowedBuckets, c.Endpoint.AllowedBuckets)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].VpcID < groups[j].VpcID })
	return groups
}

// rolePolicies are the account's inline role policies, one per role of a consumer that manages
// them, ordered by logical name.
func rolePolicies(s Spec, a *ConsumerAccount) []RolePolicy {
	var out []RolePolicy
	for _, p := range a.Providers {
		for _, c := range p.Consumers {
			if !c.ManageRolePolicy {
				continue
			}
			for _, arn := range c.RoleARNs {
				role := RoleName(arn)
				out = append(out, RolePolicy{Name: rolePolicyName(a.ID, role), Alias: legacyRolePolicyName(c.Name, role),
					Provider: p.Name, Consumer: c, RoleARN: arn, Role: role, PolicyName: RolePolicyName(s.Bucket.Name)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// grants groups the consumers by canonical access and, with per-endpoint grouping, by VPC. The ID
// is a hash of the access (and the VPC), so it does not change when consumers join or leave.
func grants(s Spec) []Grant {
	perEndpoint := s.Grouping() == GroupPerEndpoint
	byID := map[string]*Grant{}
	for _, c := range s.Consumers {
		access := CanonicalAccess(c.Access)
		id := ShapeID(access)
		sortKey := id
		if perEndpoint {
			id += "Vpc" + sidPart(strings.TrimPrefix(c.VpcID, "vpc-"))
			sortKey = c.Account.ID + "/" + c.VpcID + "/" + sortKey
		}
		g := byID[id]
		if g == nil {
			g = &Grant{ID: id, sortKey: sortKey, Access: access}
			byID[id] = g
		}
		g.Roles = append(g.Roles, c.RoleARNs...)
		g.Consumers = append(g.Consumers, c.Name)
	}
	out := make([]Grant, 0, len(byID))
	for _, g := range byID {
		g.Roles = SortedUnique(g.Roles)
		g.Consumers = SortedUnique(g.Consumers)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].sortKey < out[j].sortKey })
	return out
}

// CanonicalAccess orders an access so that equal accesses written differently are one shape.
func CanonicalAccess(a Access) Access {
	return Access{Actions: SortedUnique(a.Actions), Prefixes: SortedUnique(a.Prefixes), AllowListing: a.AllowListing, ViaServices: SortedUnique(a.ViaServices)}
}

// ShapeID is a short hash of a canonical access.
func ShapeID(a Access) string {
	text := strings.Join(a.Actions, ",") + "|" + strings.Join(a.Prefixes, "\x00") + "|"
	if a.AllowListing {
		text += "list"
	}
	if len(a.ViaServices) > 0 { // only then, so that the IDs of accesses without services stay as they were
		text += "|via:" + strings.Join(a.ViaServices, ",")
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:4])
}

// sidPart keeps the letters and digits of s: a Sid is alphanumeric.
func sidPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SortedUnique returns the values sorted, each once.
func SortedUnique(values []string) []string {
	out := append([]string{}, values...)
	sort.Strings(out)
	n := 0
	for i, v := range out {
		if i == 0 || v != out[n-1] {
			out[n] = v
			n++
		}
	}
	return out[:n]
}

// credentialsKey identifies credentials without the external ID, which is secret and must not
// shape a resource name; two credentials that differ only in it are refused by validation.
func credentialsKey(c Credentials) string {
	return strings.Join([]string{c.Profile, c.AssumeRoleARN, c.SessionName}, "\x00")
}

func appendNew(list []string, values ...string) []string {
	for _, v := range values {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

func appendNewBuckets(list, values []AllowedBucket) []AllowedBucket {
	for _, v := range values {
		if !slices.Contains(AllowedBucketNames(list), v.Name) {
			list = append(list, v)
		}
	}
	return list
}
