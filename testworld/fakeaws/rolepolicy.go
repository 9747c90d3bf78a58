package main

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/testworld/world"
)

// maxRoleInlinePolicies is IAM's limit on the total size of a role's inline policies, white space
// not counted.
const maxRoleInlinePolicies = 10240

// rolePolicyID is the ID pulumi-aws gives an inline role policy: "<role>:<name>".
func rolePolicyID(role, name string) string { return role + ":" + name }

// rolePolicyTarget is the role and policy name from the inputs, or from the ID.
func rolePolicyTarget(id resource.ID, props resource.PropertyMap) (string, string) {
	role, name := str(props, "role"), str(props, "name")
	if r, n, ok := strings.Cut(string(id), ":"); ok {
		if role == "" {
			role = r
		}
		if name == "" {
			name = n
		}
	}
	return role, name
}

func putRolePolicy(w *world.World, cfg providerConfig, role, name, policy string) (result, error) {
	res := result{physical: world.RolePolicyPhysical(cfg.Account, role, name)}
	fail := func(status int, code, message string) (result, error) {
		return res, awsError(fmt.Sprintf("putting IAM Role (%s) Policy (%s)", role, name), "IAM", "PutRolePolicy", status, code, message)
	}
	if !w.HasRole(cfg.Account, role) {
		return fail(404, "NoSuchEntity", fmt.Sprintf("The role with name %s cannot be found.", role))
	}
	if err := validJSON(policy); err != nil || !strings.HasPrefix(strings.TrimSpace(policy), "{") {
		return fail(400, "MalformedPolicyDocument", "Syntax errors in policy.")
	}
	key := world.RolePolicyKey(cfg.Account, role, name)
	total := nonSpace(policy)
	prefix := world.RolePolicyKey(cfg.Account, role, "")
	for k, doc := range w.RolePolicies {
		if k != key && strings.HasPrefix(k, prefix) {
			total += nonSpace(doc)
		}
	}
	if total > maxRoleInlinePolicies {
		return fail(409, "LimitExceeded", fmt.Sprintf("Maximum policy size of %d bytes exceeded for role %s", maxRoleInlinePolicies, role))
	}
	w.RolePolicies[key] = policy
	return rolePolicyResult(cfg, role, name, policy), nil
}

func nonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func createRolePolicy(w *world.World, cfg providerConfig, news resource.PropertyMap) (result, error) {
	name := str(news, "name")
	if name == "" {
		// Upstream's id.PrefixedUniqueId: the prefix (default "terraform-") and 26 digits.
		prefix := str(news, "namePrefix")
		if prefix == "" {
			prefix = "terraform-"
		}
		w.Next++
		name = fmt.Sprintf("%s%026d", prefix, w.Next)
	}
	return putRolePolicy(w, cfg, str(news, "role"), name, str(news, "policy"))
}

func updateRolePolicy(w *world.World, cfg providerConfig, id resource.ID, olds, news resource.PropertyMap) (result, error) {
	role, name := rolePolicyTarget(id, merged(olds, news))
	return putRolePolicy(w, cfg, role, name, str(news, "policy"))
}

// deleteRolePolicy removes the policy; a missing role or policy counts as deleted, as upstream
// ignores NoSuchEntity on delete.
func deleteRolePolicy(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (string, error) {
	role, name := rolePolicyTarget(id, olds)
	delete(w.RolePolicies, world.RolePolicyKey(cfg.Account, role, name))
	return world.RolePolicyPhysical(cfg.Account, role, name), nil
}

func readRolePolicy(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (result, error) {
	role, name := rolePolicyTarget(id, olds)
	doc, ok := w.RolePolicies[world.RolePolicyKey(cfg.Account, role, name)]
	if !ok || !w.HasRole(cfg.Account, role) {
		return result{physical: world.RolePolicyPhysical(cfg.Account, role, name)}, nil
	}
	return rolePolicyResult(cfg, role, name, doc), nil
}

func rolePolicyResult(cfg providerConfig, role, name, policy string) result {
	id := rolePolicyID(role, name)
	return result{
		id:       resource.ID(id),
		physical: world.RolePolicyPhysical(cfg.Account, role, name),
		outputs:  outputs(map[string]any{"id": id, "name": name, "namePrefix": "", "policy": policy, "role": role}),
		inputs:   outputs(map[string]any{"name": name, "policy": policy, "role": role}),
	}
}
