package spec

import (
	"reflect"
	"strings"
	"testing"
)

func layoutSpec(grouping BucketPolicyGrouping) Spec {
	consumer := func(name, account, vpc, profile string, manage bool, actions ...string) Consumer {
		return Consumer{Name: name, Account: Account{ID: account, Region: "eu-west-1", Credentials: Credentials{Profile: profile}},
			VpcID: vpc, RouteTableIDs: []string{"rtb-" + name}, RoleARNs: []string{"arn:aws:iam::" + account + ":role/" + name},
			Endpoint: Endpoint{Policy: FullAccess}, Access: Access{Actions: actions}, ManageRolePolicy: manage}
	}
	return Spec{
		Bucket: BucketOwner{Account: Account{ID: "111111111111", Region: "eu-west-1"}, Name: "shared-data"},
		Consumers: []Consumer{
			consumer("web", "222222222222", "vpc-b", "w", true, "s3:GetObject"),
			consumer("api", "222222222222", "vpc-a", "w", false, "s3:GetObject"),
			consumer("batch", "222222222222", "vpc-a", "w", true, "s3:GetObject"),
			consumer("ingest", "333333333333", "vpc-c", "i", false, "s3:PutObject"),
		},
		BucketPolicyGrouping: grouping,
	}
}

// The layout decides every group and name once: accounts, providers, endpoints per VPC on the
// union of route tables, role policies after their roles, grants per access and VPC.
func TestLayoutDecidesGroupsAndNames(t *testing.T) {
	l := layoutSpec(GroupPerEndpoint).Layout()
	if l.Owner != (Owner{Component: "bucket-owner", Provider: "bucket-owner", BucketPolicy: "shared-data"}) {
		t.Errorf("owner %+v", l.Owner)
	}
	var accounts, endpoints, rolePolicies, grants []string
	for _, a := range l.Accounts {
		accounts = append(accounts, a.Component+" "+a.Providers[0].Name)
		for _, rp := range a.RolePolicies {
			rolePolicies = append(rolePolicies, rp.Name+" alias "+rp.Alias+" on "+rp.Provider+" as "+rp.PolicyName)
		}
	}
	for _, e := range l.Endpoints {
		var consumers []string
		for _, c := range e.Consumers {
			consumers = append(consumers, c.Name)
		}
		endpoints = append(endpoints, e.Name+" on "+e.Provider+" for "+strings.Join(consumers, ",")+" via "+strings.Join(e.RouteTableIDs, ","))
	}
	for _, g := range l.Grants {
		grants = append(grants, g.ID+" "+strings.Join(g.Consumers, ","))
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %q\nwant %q", what, got, want)
		}
	}
	check("accounts", accounts, []string{"account-222222222222 consumer-222222222222", "account-333333333333 consumer-333333333333"})
	check("endpoints", endpoints, []string{
		"s3-gateway-vpc-a on consumer-222222222222 for api,batch via rtb-api,rtb-batch",
		"s3-gateway-vpc-b on consumer-222222222222 for web via rtb-web",
		"s3-gateway-vpc-c on consumer-333333333333 for ingest via rtb-ingest",
	})
	check("role policies", rolePolicies, []string{
		"role-policy-222222222222-batch alias batch-batch on consumer-222222222222 as cross-account-s3-shared-data",
		"role-policy-222222222222-web alias web-web on consumer-222222222222 as cross-account-s3-shared-data",
	})
	read, write := ShapeID(Access{Actions: []string{"s3:GetObject"}}), ShapeID(Access{Actions: []string{"s3:PutObject"}})
	check("grants per endpoint", grants, []string{read + "Vpca api,batch", read + "Vpcb web", write + "Vpcc ingest"})

	grants = nil
	for _, g := range layoutSpec(GroupByAccess).Layout().Grants {
		grants = append(grants, g.ID+" "+strings.Join(g.Consumers, ","))
	}
	want := []string{read + " api,batch,web", write + " ingest"}
	if read > write {
		want = []string{want[1], want[0]}
	}
	check("grants by access", grants, want)
}

// Names follow what they manage: renaming a consumer or reordering the list changes none.
func TestLayoutNamesIgnoreConsumerNamesAndOrder(t *testing.T) {
	s := layoutSpec(GroupPerEndpoint)
	renamed := layoutSpec(GroupPerEndpoint)
	renamed.Consumers[0].Name = "frontend"
	renamed.Consumers[1], renamed.Consumers[3] = renamed.Consumers[3], renamed.Consumers[1]
	if a, b := names(s.Layout()), names(renamed.Layout()); !reflect.DeepEqual(a, b) {
		t.Errorf("names changed:\n%v\n%v", a, b)
	}
}

func names(l Layout) []string {
	out := []string{l.Owner.Component, l.Owner.Provider, l.Owner.BucketPolicy}
	for _, a := range l.Accounts {
		out = append(out, a.Component)
		for _, p := range a.Providers {
			out = append(out, p.Name)
		}
		for _, e := range a.Endpoints {
			out = append(out, e.Name)
		}
		for _, rp := range a.RolePolicies {
			out = append(out, rp.Name)
		}
	}
	return out
}
