package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// Consumers of one account and VPC share one gateway endpoint (a route table holds one route to
// S3 endpoints), and consumers of one account and credentials share one provider. The groups are
// derived here, in a fixed order, so that names never depend on list positions.

// SortedConsumers returns the consumers ordered by name.
func (s Spec) SortedConsumers() []Consumer {
	out := append([]Consumer{}, s.Consumers...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// EndpointGroup is one gateway endpoint and the consumers whose traffic it carries.
type EndpointGroup struct {
	AccountID string
	Region    string
	VpcID     string
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

// Name is the endpoint's logical name: it derives from the VPC, which is what the endpoint
// belongs to, so adding or removing a consumer of the VPC never renames it.
func (g EndpointGroup) Name() string { return "s3-gateway-" + g.VpcID }

// EndpointGroups groups the consumers by account and VPC, ordered by account then VPC.
func (s Spec) EndpointGroups() []EndpointGroup {
	index := map[string]int{}
	var groups []EndpointGroup
	for _, c := range s.SortedConsumers() {
		key := c.Account.ID + "/" + c.VpcID
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, EndpointGroup{AccountID: c.Account.ID, Region: c.Account.Region, VpcID: c.VpcID,
				AdoptID: c.Endpoint.AdoptID, Policy: c.Endpoint.Policy})
		}
		g := &groups[i]
		g.Consumers = append(g.Consumers, c)
		g.RouteTableIDs = appendNew(g.RouteTableIDs, c.RouteTableIDs...)
		g.AllowedBuckets = appendNewBuckets(g.AllowedBuckets, c.Endpoint.AllowedBuckets)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		return groups[i].AccountID+"/"+groups[i].VpcID < groups[j].AccountID+"/"+groups[j].VpcID
	})
	return groups
}

// ConsumerAccount is one consumer account, its provider(s) and endpoints.
type ConsumerAccount struct {
	ID     string
	Region string
	// Providers are the distinct credentials used for this account, ordered by name.
	Providers []ProviderGroup
}

// ProviderGroup is one provider: an account reached with one set of credentials.
type ProviderGroup struct {
	Name        string
	Account     Account
	Consumers   []Consumer
	credentials string
}

// ConsumerAccounts groups the consumers by account, then by credentials, ordered by account ID.
func (s Spec) ConsumerAccounts() []ConsumerAccount {
	var accounts []ConsumerAccount
	index := map[string]int{}
	for _, c := range s.SortedConsumers() {
		i, ok := index[c.Account.ID]
		if !ok {
			i = len(accounts)
			index[c.Account.ID] = i
			accounts = append(accounts, ConsumerAccount{ID: c.Account.ID, Region: c.Account.Region})
		}
		accounts[i].add(c)
	}
	for i := range accounts {
		accounts[i].name()
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

// name gives each provider a name that derives from the account, and from the credentials only
// when one account is reached with several.
func (a *ConsumerAccount) name() {
	for i := range a.Providers {
		p := &a.Providers[i]
		p.Name = "consumer-" + a.ID
		if len(a.Providers) > 1 {
			sum := sha256.Sum256([]byte(p.credentials))
			p.Name += "-" + hex.EncodeToString(sum[:4])
		}
	}
	sort.Slice(a.Providers, func(i, j int) bool { return a.Providers[i].Name < a.Providers[j].Name })
}

// ProviderOf returns the name of the provider a consumer's resources use.
func (s Spec) ProviderOf(c Consumer) string {
	for _, a := range s.ConsumerAccounts() {
		for _, p := range a.Providers {
			for _, member := range p.Consumers {
				if member.Name == c.Name {
					return p.Name
				}
			}
		}
	}
	return ""
}

// credentialsKey identifies credentials without the external ID, which is secret and must not
// shape a resource name; two credentials that differ only in it are refused by validation.
func credentialsKey(c Credentials) string {
	return strings.Join([]string{c.Profile, c.AssumeRoleARN, c.SessionName}, "\x00")
}

func appendNew(list []string, values ...string) []string {
	for _, v := range values {
		if !contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

func appendNewBuckets(list, values []AllowedBucket) []AllowedBucket {
	for _, v := range values {
		if !contains(AllowedBucketNames(list), v.Name) {
			list = append(list, v)
		}
	}
	return list
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
