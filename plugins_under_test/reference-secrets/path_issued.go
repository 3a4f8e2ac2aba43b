package main

import (
	"context"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const (
	issuedPrefix  = "issued/"
	statusActive  = "active"
	statusRevoked = "revoked"
)

// issuedCredential is what the engine remembers of a credential: enough to
// observe renewals and revocation through a path, never the password.
type issuedCredential struct {
	Role      string    `json:"role"`
	Status    string    `json:"status"`
	Renewals  int       `json:"renewals"`
	IssuedAt  time.Time `json:"issued_at"`
	RevokedAt time.Time `json:"revoked_at,omitempty"`
}

func pathIssued(b *backend) []*framework.Path {
	return []*framework.Path{
		{
			Pattern: "issued/?$",
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ListOperation: &framework.PathOperation{Callback: b.issuedList, Summary: "List active credentials."},
			},
			HelpSynopsis:    "List the usernames of credentials that are still active.",
			HelpDescription: "Lists the usernames of issued credentials whose lease has not been revoked; a revoked credential drops out of this list.",
		},
		{
			Pattern: "issued/" + framework.MatchAllRegex("username"),
			Fields: map[string]*framework.FieldSchema{
				"username": {Type: framework.TypeString, Description: "Username of an issued credential.", Required: true},
			},
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ReadOperation: &framework.PathOperation{Callback: b.issuedRead, Summary: "Read an issued credential's record."},
				logical.DeleteOperation: &framework.PathOperation{Callback: b.issuedDelete, Summary: "Forget a credential (as if removed out of band)."},
			},
			HelpSynopsis:    "Read the record of an issued credential.",
			HelpDescription: "Returns the role, status (active or revoked), number of renewals, issued_at and, once revoked, revoked_at of a credential. The password is never stored.",
		},
	}
}

func getIssued(ctx context.Context, s logical.Storage, username string) (*issuedCredential, error) {
	entry, err := s.Get(ctx, issuedPrefix+username)
	if err != nil || entry == nil {
		return nil, err
	}
	record := &issuedCredential{}
	if err := entry.DecodeJSON(record); err != nil {
		return nil, err
	}
	return record, nil
}

func putIssued(ctx context.Context, s logical.Storage, username string, record *issuedCredential) error {
	entry, err := logical.StorageEntryJSON(issuedPrefix+username, record)
	if err != nil {
		return err
	}
	return s.Put(ctx, entry)
}

func (b *backend) issuedList(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	names, err := req.Storage.List(ctx, issuedPrefix)
	if err != nil {
		return nil, err
	}
	active := make([]string, 0, len(names))
	for _, name := range names {
		record, err := getIssued(ctx, req.Storage, name)
		if err != nil {
			return nil, err
		}
		if record != nil && record.Status == statusActive {
			active = append(active, name)
		}
	}
	return logical.ListResponse(active), nil
}

// issuedDelete forgets a credential's record: what an operator removing the credential
// behind the engine's back looks like to a later revoke.
func (b *backend) issuedDelete(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	return nil, req.Storage.Delete(ctx, issuedPrefix+d.Get("username").(string))
}

func (b *backend) issuedRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	record, err := getIssued(ctx, req.Storage, d.Get("username").(string))
	if err != nil || record == nil {
		return nil, err
	}
	data := map[string]interface{}{
		"role":      record.Role,
		"status":    record.Status,
		"renewals":  record.Renewals,
		"issued_at": record.IssuedAt.Format(time.RFC3339Nano),
	}
	if !record.RevokedAt.IsZero() {
		data["revoked_at"] = record.RevokedAt.Format(time.RFC3339Nano)
	}
	return &logical.Response{Data: data}, nil
}
