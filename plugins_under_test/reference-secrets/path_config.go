package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

// configKey is where the configuration is stored (a mutant's "new version" moves it without migrating).
var configKey = "config"

type engineConfig struct {
	UsernamePrefix string `json:"username_prefix"`
	PasswordLength int    `json:"password_length"`
}

func defaultConfig() *engineConfig {
	return &engineConfig{UsernamePrefix: "ref", PasswordLength: 24}
}

func pathConfig(b *backend) *framework.Path {
	return &framework.Path{
		Pattern: "config",
		Fields: map[string]*framework.FieldSchema{
			"username_prefix": {Type: framework.TypeString, Default: "ref", Description: "Prefix of generated usernames."},
			"password_length": {Type: framework.TypeInt, Default: 24, Description: "Length of generated passwords (16 to 128)."},
		},
		ExistenceCheck: b.configExists,
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.ReadOperation:   &framework.PathOperation{Callback: b.configRead, Summary: "Read the engine configuration."},
			logical.CreateOperation: &framework.PathOperation{Callback: b.configWrite, Summary: "Configure the engine."},
			logical.UpdateOperation: &framework.PathOperation{Callback: b.configWrite, Summary: "Configure the engine."},
			logical.DeleteOperation: &framework.PathOperation{Callback: b.configDelete, Summary: "Reset the configuration."},
		},
		HelpSynopsis:    "Configure how credentials are generated.",
		HelpDescription: "username_prefix starts every generated username; password_length sets the password size.",
	}
}

// memoryConfig is where mutant-memory-state and mutant-shared-state keep a configuration (the reference never uses it).
var memoryConfig *engineConfig

func readConfig(ctx context.Context, s logical.Storage) (*engineConfig, error) {
	if mutation.memoryConfig {
		return memoryConfig, nil
	}
	entry, err := s.Get(ctx, configKey)
	if err != nil && mutation.panicOnStorageError {
		panic(err)
	}
	if entry == nil && err == nil && mutation.sharedConfigFallback {
		return memoryConfig, nil
	}
	if err != nil || entry == nil {
		return nil, err
	}
	config := defaultConfig()
	if err := entry.DecodeJSON(config); err != nil {
		return nil, err
	}
	return config, nil
}

func (b *backend) configExists(ctx context.Context, req *logical.Request, _ *framework.FieldData) (bool, error) {
	config, err := readConfig(ctx, req.Storage)
	if mutation.existenceAlwaysFalse {
		return false, err
	}
	return config != nil, err
}

func (b *backend) configRead(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	config, err := readConfig(ctx, req.Storage)
	if err != nil || config == nil {
		return nil, err
	}
	prefix := config.UsernamePrefix
	if mutation.staleRead {
		prefix = defaultConfig().UsernamePrefix
	}
	return &logical.Response{Data: map[string]interface{}{
		"username_prefix": prefix,
		"password_length": config.PasswordLength,
	}}, nil
}

func (b *backend) configWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	config, err := readConfig(ctx, req.Storage)
	if err != nil {
		return nil, err
	}
	if config == nil {
		config = defaultConfig()
	}
	if v, ok := d.GetOk("username_prefix"); ok {
		config.UsernamePrefix = v.(string)
	}
	if v, ok := d.GetOk("password_length"); ok {
		config.PasswordLength = v.(int)
	}
	if mutation.allocateBeforeValidating {
		_ = make([]byte, config.PasswordLength) // panics on a negative or huge length
	}
	if (config.PasswordLength < 16 || config.PasswordLength > 128) && mutation.rangeErrorAsServerError {
		return nil, fmt.Errorf("password_length must be between 16 and 128, got %d", config.PasswordLength)
	}
	if config.PasswordLength < 16 || config.PasswordLength > 128 {
		return logical.ErrorResponse(fmt.Sprintf("password_length must be between 16 and 128, got %d", config.PasswordLength)), nil
	}
	if mutation.memoryConfig || mutation.sharedConfigFallback {
		memoryConfig = config
	}
	if mutation.memoryConfig {
		return nil, nil
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
