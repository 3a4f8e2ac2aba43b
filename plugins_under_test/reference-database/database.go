package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	dbplugin "github.com/hashicorp/vault/sdk/database/dbplugin/v5"
	"github.com/hashicorp/vault/sdk/helper/template"
	"github.com/hashicorp/vault/sdk/logical"
	"github.com/mitchellh/mapstructure"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

const (
	typeName = "reference-redis"

	// defaultUsernameTemplate makes names like v-token-web-AbCdEfGhIj: at most 64
	// characters, no spaces (Redis refuses spaces in ACL user names).
	defaultUsernameTemplate = `{{ printf "v-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 10) | replace " " "_" | truncate 64 }}`

	// dialTimeout bounds connecting (and each command when the caller's context has no deadline).
	dialTimeout = 5 * time.Second
)

var (
	_ dbplugin.Database       = (*redisDB)(nil)
	_ logical.PluginVersioner = (*redisDB)(nil)
)

// connectionConfig is what database/config/<name> carries to the plugin (the
// server strips its own fields: plugin_name, allowed_roles, verify_connection, ...).
type connectionConfig struct {
	Host     string `mapstructure:"host"`
	Port     int    `mapstructure:"port"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	// TLS connects with TLS, verifying the server against CACert (PEM) or, when
	// empty, the system roots; InsecureTLS skips the verification.
	TLS         bool   `mapstructure:"tls"`
	CACert      string `mapstructure:"ca_cert"`
	InsecureTLS bool   `mapstructure:"insecure_tls"`
	// UsernameTemplate overrides defaultUsernameTemplate (sdk/helper/template syntax).
	UsernameTemplate string `mapstructure:"username_template"`
}

// redisDB is one configured connection (one per database/config/<name> with multiplexing).
type redisDB struct {
	mu               sync.RWMutex
	config           connectionConfig
	client           *redis.Client // the connection pool, nil until Initialize
	usernameProducer template.StringTemplate
}

// New is the dbplugin.Factory: a fresh instance, wrapped (as the SDK's own plugins
// are) in the middleware that strips the root username and password from errors.
func New() (interface{}, error) {
	db := &redisDB{}
	return dbplugin.NewDatabaseErrorSanitizerMiddleware(db, db.secretValues), nil
}

// secretValues maps the values an error must never show to their replacement.
func (db *redisDB) secretValues() map[string]string {
	db.mu.RLock()
	defer db.mu.RUnlock()
	secrets := map[string]string{}
	if db.config.Password != "" {
		secrets[db.config.Password] = "[password]"
	}
	return secrets
}

func (db *redisDB) Initialize(ctx context.Context, req dbplugin.InitializeRequest) (dbplugin.InitializeResponse, error) {
	var conf connectionConfig
	decoder, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           &conf,
		WeaklyTypedInput: true, // the port arrives as a number or a string
	})
	if err != nil {
		return dbplugin.InitializeResponse{}, err
	}
	if err := decoder.Decode(req.Config); err != nil {
		return dbplugin.InitializeResponse{}, fmt.Errorf("invalid configuration: %w", err)
	}
	switch {
	case conf.Host == "":
		return dbplugin.InitializeResponse{}, errors.New("host cannot be empty")
	case conf.Port <= 0 || conf.Port > 65535:
		return dbplugin.InitializeResponse{}, fmt.Errorf("port must be between 1 and 65535, not %d", conf.Port)
	case conf.Username == "":
		return dbplugin.InitializeResponse{}, errors.New("username cannot be empty")
	case conf.Password == "":
		return dbplugin.InitializeResponse{}, errors.New("password cannot be empty")
	}

	rawTemplate := conf.UsernameTemplate
	if rawTemplate == "" {
		rawTemplate = defaultUsernameTemplate
	}
	producer, err := template.NewTemplate(template.Template(rawTemplate))
	if err != nil {
		return dbplugin.InitializeResponse{}, fmt.Errorf("invalid username_template: %w", err)
	}
	if _, err := producer.Generate(dbplugin.UsernameMetadata{}); err != nil {
		return dbplugin.InitializeResponse{}, fmt.Errorf("invalid username_template: %w", err)
	}

	options := &redis.Options{
		Addr: net.JoinHostPort(conf.Host, strconv.Itoa(conf.Port)),
		// Read at every new connection: after the plugin changed its own password
		// (rotate-root) the pool goes on with the new one.
		CredentialsProvider:   db.credentials,
		DialTimeout:           dialTimeout,
		ContextTimeoutEnabled: true,
		DisableIdentity:       true, // no CLIENT SETINFO (Redis < 7.2 has none)
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
	if conf.TLS {
		tlsConfig := &tls.Config{
			ServerName:         conf.Host,
			InsecureSkipVerify: conf.InsecureTLS, //nolint:gosec // only when configured so
			MinVersion:         tls.VersionTLS12,
		}
		if conf.CACert != "" {
			roots := x509.NewCertPool()
			if !roots.AppendCertsFromPEM([]byte(conf.CACert)) {
				return dbplugin.InitializeResponse{}, errors.New("ca_cert holds no PEM certificate")
			}
			tlsConfig.RootCAs = roots
		}
		options.TLSConfig = tlsConfig
	}

	db.mu.Lock()
	old := db.client
	db.config = conf
	db.usernameProducer = producer
	db.client = redis.NewClient(options) // connects lazily
	client := db.client
	db.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}

	if (req.VerifyConnection && !mutation.ignoreVerify) || mutation.connectEagerly {
		ctx, cancel := bounded(ctx)
		defer cancel()
		if err := client.Ping(ctx).Err(); err != nil {
			return dbplugin.InitializeResponse{}, fmt.Errorf("error verifying connection: %w", err)
		}
	}

	resp := dbplugin.InitializeResponse{Config: req.Config}
	if mutation.forgetConfig {
		resp.Config = map[string]interface{}{}
	}
	resp.SetSupportedCredentialTypes([]dbplugin.CredentialType{dbplugin.CredentialTypePassword})
	return resp, nil
}

// credentials is the pool's CredentialsProvider.
func (db *redisDB) credentials() (string, string) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.config.Username, db.config.Password
}

// connection returns the pool, or an error before Initialize.
func (db *redisDB) connection() (*redis.Client, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.client == nil {
		return nil, errors.New("the plugin is not initialized")
	}
	return db.client, nil
}

func (db *redisDB) Type() (string, error) {
	if mutation.typeName != nil {
		return *mutation.typeName, nil
	}
	return typeName, nil
}

func (db *redisDB) PluginVersion() logical.PluginVersion {
	return logical.PluginVersion{Version: version}
}

func (db *redisDB) Close() error {
	db.mu.Lock()
	client := db.client
	db.client = nil
	db.mu.Unlock()
	if client == nil {
		return nil
	}
	return client.Close()
}

// bounded gives the commands of one call a deadline when the server's context has none.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, dialTimeout)
}
