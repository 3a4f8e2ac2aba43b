package main

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const rolePrefix = "roles/"

type role struct {
	TTL         time.Duration `json:"ttl"`
	MaxTTL      time.Duration `json:"max_ttl"`
	Description string        `json:"description"`
}

func pathRoles(b *backend) []*framework.Path {
	return []*framework.Path{
		{
			Pattern: "roles/?$",
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ListOperation: &framework.PathOperation{Callback: b.rolesList, Summary: "List role names."},
			},
			HelpSynopsis:    "List the roles.",
			HelpDescription: "Lists the names of the roles defined at roles/<name>.",
		},
		{
			Pattern: "roles/" + framework.GenericNameRegex("name"),
			Fields: map[string]*framework.FieldSchema{
				"name":        {Type: framework.TypeLowerCaseString, Description: "Name of the role.", Required: true},
				"ttl":         {Type: framework.TypeDurationSecond, Description: "Lease TTL of issued credentials (0: the mount default)."},
				"max_ttl":     {Type: framework.TypeDurationSecond, Description: "Maximum lease lifetime (0: the mount maximum)."},
				"description": {Type: framework.TypeString, Description: "Free text."},
			},
			ExistenceCheck: b.roleExists,
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ReadOperation:   &framework.PathOperation{Callback: b.roleRead, Summary: "Read a role."},
				logical.CreateOperation: &framework.PathOperation{Callback: b.roleWrite, Summary: "Create a role."},
				logical.UpdateOperation: &framework.PathOperation{Callback: b.roleWrite, Summary: "Update a role."},
				logical.DeleteOperation: &framework.PathOperation{Callback: b.roleDelete, Summary: "Delete a role."},
			},
			HelpSynopsis:    "Manage the roles credentials are issued for.",
			HelpDescription: "A role sets the ttl and max_ttl of the credentials issued at creds/<role>.",
		},
	}
}

func readRole(ctx context.Context, s logical.Storage, name string) (*role, error) {
	entry, err := s.Get(ctx, rolePrefix+name)
	if err != nil || entry == nil {
		return nil, err
	}
	r := &role{}
	if err := entry.DecodeJSON(r); err != nil {
		return nil, err
	}
	return r, nil
}

func (b *backend) rolesList(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	names, err := req.Storage.List(ctx, rolePrefix)
	if err != nil {
		return nil, err
	}
	if mutation.listKeysField != "" {
		return &logical.Response{Data: map[string]interface{}{mutation.listKeysField: names}}, nil
	}
	return logical.ListResponse(names), nil
}

func (b *backend) roleExists(ctx context.Context, req *logical.Request, d *framework.FieldData) (bool, error) {
	r, err := readRole(ctx, req.Storage, d.Get("name").(string))
	return r != nil, err
}

func (b *backend) roleRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	r, err := readRole(ctx, req.Storage, d.Get("name").(string))
	if err != nil || r == nil {
		return nil, err
	}
	return &logical.Response{Data: map[string]interface{}{
		"ttl":         int64(r.TTL.Seconds()),
		"max_ttl":     int64(r.MaxTTL.Seconds()),
		"description": r.Description,
	}}, nil
}

func (b *backend) roleWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	r, err := readRole(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = &role{}
	}
	if v, ok := d.GetOk("ttl"); ok {
		r.TTL = time.Duration(v.(int)) * time.Second
	}
	if v, ok := d.GetOk("max_ttl"); ok {
		r.MaxTTL = time.Duration(v.(int)) * time.Second
	}
	if v, ok := d.GetOk("description"); ok {
		r.Description = v.(string)
	}
	if r.MaxTTL != 0 && r.TTL > r.MaxTTL {
		return logical.ErrorResponse("ttl must not exceed max_ttl"), nil
	}
	entry, err := logical.StorageEntryJSON(rolePrefix+name, r)
	if err != nil {
		return nil, err
	}
	return nil, req.Storage.Put(ctx, entry)
}

func (b *backend) roleDelete(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	if mutation.deleteMissingFails {
		if r, err := readRole(ctx, req.Storage, d.Get("name").(string)); err != nil || r == nil {
			return nil, errors.New("role not found")
		}
	}
	return nil, req.Storage.Delete(ctx, rolePrefix+d.Get("name").(string))
}
