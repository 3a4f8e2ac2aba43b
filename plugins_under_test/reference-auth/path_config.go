package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

const configKey = "config"

type authConfig struct {
	PasswordMinLength int `json:"password_min_length"`
}

func defaultConfig() *authConfig {
	return &authConfig{PasswordMinLength: 8}
}

func pathConfig(b *backend) *framework.Path {
	return &framework.Path{
		Pattern: "config",
		Fields: map[string]*framework.FieldSchema{
			"password_min_length": {Type: framework.TypeInt, Default: 8, Description: "Shortest password a user may be given (4 to 128)."},
		},
		ExistenceCheck: b.configExists,
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.ReadOperation:   &framework.PathOperation{Callback: b.configRead, Summary: "Read the auth method configuration."},
			logical.CreateOperation: &framework.PathOperation{Callback: b.configWrite, Summary: "Configure the auth method."},
			logical.UpdateOperation: &framework.PathOperation{Callback: b.configWrite, Summary: "Configure the auth method."},
			logical.DeleteOperation: &framework.PathOperation{Callback: b.configDelete, Summary: "Reset the configuration."},
		},
		HelpSynopsis:    "Configure the password policy.",
		HelpDescription: "password_min_length is the shortest password users/<name> accepts.",
	}
}

// readConfig returns the stored configuration, or nil when none was written.
func readConfig(ctx context.Context, s logical.Storage) (*authConfig, error) {
	entry, err := s.Get(ctx, configKey)
	if err != nil || entry == nil {
		return nil, err
	}
	config := defaultConfig()
	if err := entry.DecodeJSON(config); err != nil {
		return nil, err
	}
	return config, nil
}

// effectiveConfig is the stored configuration, or the defaults when none was written.
func effectiveConfig(ctx context.Context, s logical.Storage) (*authConfig, error) {
	config, err := readConfig(ctx, s)
	if config == nil && err == nil {
		config = defaultConfig()
	}
	return config, err
}

func (b *backend) configExists(ctx context.Context, req *logical.Request, _ *framework.FieldData) (bool, error) {
	config, err := readConfig(ctx, req.Storage)
	return config != nil, err
}

func (b *backend) configRead(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	config, err := readConfig(ctx, req.Storage)
	if err != nil || config == nil {
		return nil, err
	}
	return &logical.Response{Data: map[string]interface{}{
		"password_min_length": config.PasswordMinLength,
	}}, nil
}

func (b *backend) configWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	config, err := effectiveConfig(ctx, req.Storage)
	if err != nil {
		return nil, err
	}
	if v, ok := d.GetOk("password_min_length"); ok {
		config.PasswordMinLength = v.(int)
	}
	if config.PasswordMinLength < 4 || config.PasswordMinLength > 128 {
		return logical.ErrorResponse(fmt.Sprintf("password_min_length must be between 4 and 128, got %d", config.PasswordMinLength)), nil
	}
	entry, err := logical.StorageEntryJSON(configKey, config)
	if err != nil {
		return nil, err
	}
	return nil, req.Storage.Put(ctx, entry)
}

func (b *backend) configDelete(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	return nil, req.Storage.Delete(ctx, configKey)
}
