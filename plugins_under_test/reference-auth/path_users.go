package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/tokenutil"
	"github.com/hashicorp/vault/sdk/logical"
)

const userPrefix = "users/"

// user is what storage holds for users/<name>: never the password itself, only a salted hash.
type user struct {
	tokenutil.TokenParams
	PasswordSalt []byte `json:"password_salt"`
	PasswordHash []byte `json:"password_hash"`
}

func hashPassword(salt []byte, password string) []byte {
	sum := sha256.Sum256(append(append([]byte{}, salt...), password...))
	return sum[:]
}

func (u *user) setPassword(password string) error {
	u.PasswordSalt = make([]byte, 16)
	if _, err := rand.Read(u.PasswordSalt); err != nil {
		return err
	}
	u.PasswordHash = hashPassword(u.PasswordSalt, password)
	return nil
}

// passwordMatches compares in constant time; a nil user is compared against a dummy
// hash so that an unknown user takes as long as a wrong password.
func (u *user) passwordMatches(password string) bool {
	if u == nil {
		subtle.ConstantTimeCompare(hashPassword(nil, password), make([]byte, sha256.Size))
		return false
	}
	return subtle.ConstantTimeCompare(hashPassword(u.PasswordSalt, password), u.PasswordHash) == 1
}

func pathUsers(b *backend) []*framework.Path {
	userFields := map[string]*framework.FieldSchema{
		"name": {Type: framework.TypeLowerCaseString, Description: "Username.", Required: true},
		"password": {
			Type:         framework.TypeString,
			Description:  "Password of the user (write-only; required on create).",
			DisplayAttrs: &framework.DisplayAttributes{Sensitive: true},
		},
	}
	tokenutil.AddTokenFields(userFields)
	return []*framework.Path{
		{
			Pattern: "users/?$",
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ListOperation: &framework.PathOperation{Callback: b.usersList, Summary: "List usernames."},
			},
			HelpSynopsis:    "List the users.",
			HelpDescription: "Lists the names of the users defined at users/<name>.",
		},
		{
			Pattern:        "users/" + framework.GenericNameRegex("name"),
			Fields:         userFields,
			ExistenceCheck: b.userExists,
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ReadOperation:   &framework.PathOperation{Callback: b.userRead, Summary: "Read a user (never its password)."},
				logical.CreateOperation: &framework.PathOperation{Callback: b.userWrite, Summary: "Create a user."},
				logical.UpdateOperation: &framework.PathOperation{Callback: b.userWrite, Summary: "Update a user."},
				logical.DeleteOperation: &framework.PathOperation{Callback: b.userDelete, Summary: "Delete a user."},
			},
			HelpSynopsis:    "Manage the users who can log in.",
			HelpDescription: "A user has a password and the token_* parameters of the tokens its logins get.",
		},
	}
}

func readUser(ctx context.Context, s logical.Storage, name string) (*user, error) {
	entry, err := s.Get(ctx, userPrefix+name)
	if err != nil || entry == nil {
		return nil, err
	}
	u := &user{}
	if err := entry.DecodeJSON(u); err != nil {
		return nil, err
	}
	return u, nil
}

func (b *backend) usersList(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	names, err := req.Storage.List(ctx, userPrefix)
	if err != nil {
		return nil, err
	}
	return logical.ListResponse(names), nil
}

func (b *backend) userExists(ctx context.Context, req *logical.Request, d *framework.FieldData) (bool, error) {
	u, err := readUser(ctx, req.Storage, d.Get("name").(string))
	return u != nil, err
}

func (b *backend) userRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	u, err := readUser(ctx, req.Storage, d.Get("name").(string))
	if err != nil || u == nil {
		return nil, err
	}
	data := map[string]interface{}{}
	u.PopulateTokenData(data)
	return &logical.Response{Data: data}, nil
}

func (b *backend) userWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	u, err := readUser(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		u = &user{}
	}
	if err := u.ParseTokenFields(req, d); err != nil {
		return logical.ErrorResponse(err.Error()), nil
	}
	password, havePassword := d.GetOk("password")
	if !havePassword && u.PasswordHash == nil {
		return logical.ErrorResponse("password is required when creating a user"), nil
	}
	if havePassword {
		config, err := effectiveConfig(ctx, req.Storage)
		if err != nil {
			return nil, err
		}
		if len(password.(string)) < config.PasswordMinLength {
			return logical.ErrorResponse(fmt.Sprintf("password must be at least %d characters", config.PasswordMinLength)), nil
		}
		if err := u.setPassword(password.(string)); err != nil {
			return nil, err
		}
	}
	entry, err := logical.StorageEntryJSON(userPrefix+name, u)
	if err != nil {
		return nil, err
	}
	return nil, req.Storage.Put(ctx, entry)
}

// userDelete succeeds for a user that does not exist: deleting is idempotent.
func (b *backend) userDelete(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	return nil, req.Storage.Delete(ctx, userPrefix+d.Get("name").(string))
}
