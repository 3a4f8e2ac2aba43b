package main

import (
	"context"
	"strings"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const backendHelp = `
The hostile zoo's secrets engine stores named items (a string value each) in the
server's storage. Without a hostile build tag it is conformant.
`

type backend struct {
	*framework.Backend
}

// Factory builds and sets up a backend for one mount.
func Factory(ctx context.Context, conf *logical.BackendConfig) (logical.Backend, error) {
	b := &backend{}
	b.Backend = &framework.Backend{
		Help:           strings.TrimSpace(backendHelp),
		BackendType:    logical.TypeLogical,
		RunningVersion: version,
		Paths: []*framework.Path{
			{
				Pattern: "items/?$",
				Operations: map[logical.Operation]framework.OperationHandler{
					logical.ListOperation: &framework.PathOperation{Callback: b.list, Summary: "List the items."},
				},
				HelpSynopsis:    "List the items.",
				HelpDescription: "Names of every stored item.",
			},
			{
				Pattern: "items/" + framework.GenericNameRegex("name"),
				Fields: map[string]*framework.FieldSchema{
					"name":  {Type: framework.TypeString, Description: "Name of the item.", Required: true},
					"value": {Type: framework.TypeString, Description: "Value of the item."},
				},
				ExistenceCheck: b.exists,
				Operations: map[logical.Operation]framework.OperationHandler{
					logical.ReadOperation:   &framework.PathOperation{Callback: b.read, Summary: "Read an item."},
					logical.CreateOperation: &framework.PathOperation{Callback: b.write, Summary: "Write an item."},
					logical.UpdateOperation: &framework.PathOperation{Callback: b.write, Summary: "Write an item."},
					logical.DeleteOperation: &framework.PathOperation{Callback: b.delete, Summary: "Delete an item."},
				},
				HelpSynopsis:    "One stored item.",
				HelpDescription: "An item holds one string value, kept in the server's storage.",
			},
		},
	}
	if err := b.Setup(ctx, conf); err != nil {
		return nil, err
	}
	return b, nil
}

// HandleRequest lets a hostile behaviour intercept requests; without one it is the framework's.
func (b *backend) HandleRequest(ctx context.Context, req *logical.Request) (*logical.Response, error) {
	if hostile.handleRequest != nil {
		return hostile.handleRequest(ctx, req, b.Backend.HandleRequest)
	}
	return b.Backend.HandleRequest(ctx, req)
}

func (b *backend) list(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	keys, err := req.Storage.List(ctx, "items/")
	if err != nil {
		return nil, err
	}
	return logical.ListResponse(keys), nil
}

func (b *backend) exists(ctx context.Context, req *logical.Request, d *framework.FieldData) (bool, error) {
	entry, err := req.Storage.Get(ctx, "items/"+d.Get("name").(string))
	return entry != nil, err
}

func (b *backend) read(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	entry, err := req.Storage.Get(ctx, "items/"+d.Get("name").(string))
	if err != nil || entry == nil {
		return nil, err
	}
	return &logical.Response{Data: map[string]interface{}{"value": string(entry.Value)}}, nil
}

func (b *backend) write(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	value, ok := d.GetOk("value")
	if !ok {
		return logical.ErrorResponse("value is required"), nil
	}
	entry := &logical.StorageEntry{Key: "items/" + d.Get("name").(string), Value: []byte(value.(string))}
	return nil, req.Storage.Put(ctx, entry)
}

func (b *backend) delete(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	return nil, req.Storage.Delete(ctx, "items/"+d.Get("name").(string))
}
