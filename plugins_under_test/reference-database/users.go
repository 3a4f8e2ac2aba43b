package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	dbplugin "github.com/hashicorp/vault/sdk/database/dbplugin/v5"
	"github.com/redis/go-redis/v9"
)

// defaultRules are the ACL rules of a user whose role has no creation_statements:
// every key, read commands only.
var defaultRules = []string{"~*", "+@read"}

// NewUser creates an enabled Redis ACL user with the server's password and the
// role's rules. Redis users do not expire: the server revokes them at lease end.
func (db *redisDB) NewUser(ctx context.Context, req dbplugin.NewUserRequest) (dbplugin.NewUserResponse, error) {
	if req.CredentialType != dbplugin.CredentialTypePassword {
		return dbplugin.NewUserResponse{}, fmt.Errorf("unsupported credential_type %q: %s manages passwords only", req.CredentialType, typeName)
	}
	if req.Password == "" {
		return dbplugin.NewUserResponse{}, errors.New("missing password")
	}
	rules, err := parseRules(req.Statements.Commands)
	if err != nil {
		return dbplugin.NewUserResponse{}, err
	}
	if len(rules) == 0 {
		rules = defaultRules
	}
	client, err := db.connection()
	if err != nil {
		return dbplugin.NewUserResponse{}, err
	}
	db.mu.RLock()
	username, err := db.usernameProducer.Generate(req.UsernameConfig)
	db.mu.RUnlock()
	if err != nil {
		return dbplugin.NewUserResponse{}, fmt.Errorf("generating the username: %w", err)
	}
	if username == "" {
		return dbplugin.NewUserResponse{}, errors.New("the username template produced an empty name")
	}

	ctx, cancel := bounded(ctx)
	defer cancel()
	exists, err := userExists(ctx, client, username)
	if err != nil {
		return dbplugin.NewUserResponse{}, err
	}
	if exists {
		return dbplugin.NewUserResponse{}, fmt.Errorf("user %q already exists", username)
	}
	// ACL SETUSER is atomic: on a bad rule Redis creates nothing, so there is nothing to roll back.
	args := []interface{}{"ACL", "SETUSER", username, "on", ">" + req.Password}
	for _, rule := range rules {
		args = append(args, rule)
	}
	if err := client.Do(ctx, args...).Err(); err != nil {
		return dbplugin.NewUserResponse{}, fmt.Errorf("creating user %q: %w", username, err)
	}
	rememberCreated(username)
	if mutation.emptyUsername {
		username = ""
	}
	return dbplugin.NewUserResponse{Username: username}, nil
}

// UpdateUser changes an existing user's password (a static role's user, or the
// connection's own user on rotate-root). An expiration change is accepted and
// does nothing (Redis users do not expire); a public key is refused.
func (db *redisDB) UpdateUser(ctx context.Context, req dbplugin.UpdateUserRequest) (dbplugin.UpdateUserResponse, error) {
	if req.Username == "" {
		return dbplugin.UpdateUserResponse{}, errors.New("missing username")
	}
	if req.PublicKey != nil || req.CredentialType != dbplugin.CredentialTypePassword {
		return dbplugin.UpdateUserResponse{}, fmt.Errorf("unsupported credential_type %q: %s manages passwords only", req.CredentialType, typeName)
	}
	if req.Password == nil && req.Expiration == nil {
		return dbplugin.UpdateUserResponse{}, errors.New("no change requested")
	}
	if req.Password != nil {
		if err := db.changePassword(ctx, req.Username, req.Password); err != nil {
			return dbplugin.UpdateUserResponse{}, err
		}
	}
	if req.Expiration != nil && mutation.expirationError {
		return dbplugin.UpdateUserResponse{}, errors.New("changing the expiration is not supported")
	}
	return dbplugin.UpdateUserResponse{}, nil
}

// changePassword replaces every password of the user with the new one. Rotation
// statements, when given, are further ACL rules applied in the same command.
func (db *redisDB) changePassword(ctx context.Context, username string, change *dbplugin.ChangePassword) error {
	if change.NewPassword == "" {
		return errors.New("missing new password")
	}
	rules, err := parseRules(change.Statements.Commands)
	if err != nil {
		return err
	}
	client, err := db.connection()
	if err != nil {
		return err
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	exists, err := userExists(ctx, client, username)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("user %q does not exist", username)
	}
	if mutation.updateKeepsPassword {
		return nil
	}
	if mutation.updateOwnUsersOnly && !createdHere(username) {
		return nil
	}
	args := []interface{}{"ACL", "SETUSER", username, "resetpass", ">" + change.NewPassword}
	for _, rule := range rules {
		args = append(args, rule)
	}
	if err := client.Do(ctx, args...).Err(); err != nil {
		return fmt.Errorf("changing the password of user %q: %w", username, err)
	}
	// Rotate-root: the pool's next connections authenticate with the new password.
	db.mu.Lock()
	root := username == db.config.Username
	if root {
		db.config.Password = change.NewPassword
	}
	db.mu.Unlock()
	if root && mutation.rootRotationError {
		return errors.New("rotating the root password: could not confirm the change")
	}
	return nil
}

// DeleteUser removes the user (Redis also closes its connections). A user that
// does not exist is not an error. Revocation statements are not used.
func (db *redisDB) DeleteUser(ctx context.Context, req dbplugin.DeleteUserRequest) (dbplugin.DeleteUserResponse, error) {
	if req.Username == "" {
		return dbplugin.DeleteUserResponse{}, errors.New("missing username")
	}
	db.mu.RLock()
	own := req.Username == db.config.Username
	db.mu.RUnlock()
	if own {
		return dbplugin.DeleteUserResponse{}, fmt.Errorf("refusing to delete %q: the plugin connects as this user", req.Username)
	}
	client, err := db.connection()
	if err != nil {
		return dbplugin.DeleteUserResponse{}, err
	}
	if mutation.deleteLeavesUser {
		return dbplugin.DeleteUserResponse{}, nil
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := client.Do(ctx, "ACL", "DELUSER", req.Username).Err(); err != nil {
		return dbplugin.DeleteUserResponse{}, fmt.Errorf("deleting user %q: %w", req.Username, err)
	}
	return dbplugin.DeleteUserResponse{}, nil
}

// userExists asks ACL GETUSER (a nil reply: no such user).
func userExists(ctx context.Context, client *redis.Client, username string) (bool, error) {
	err := client.Do(ctx, "ACL", "GETUSER", username).Err()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("looking up user %q: %w", username, err)
	}
	return true, nil
}

// parseRules turns statements into ACL rules. A statement is either a JSON list
// of rules (`["~*", "+@read"]`, the only form for a rule with spaces such as a
// selector) or rules separated by spaces (`~* +@read`). Rules that would change
// the password or the on/off status are refused: the plugin sets those itself.
func parseRules(statements []string) ([]string, error) {
	var rules []string
	for _, statement := range statements {
		statement = strings.TrimSpace(statement)
		switch {
		case statement == "":
		case strings.HasPrefix(statement, "["):
			var list []string
			if err := json.Unmarshal([]byte(statement), &list); err != nil {
				return nil, fmt.Errorf("statement %q is not a JSON list of ACL rules: %w", statement, err)
			}
			for _, rule := range list {
				if rule = strings.TrimSpace(rule); rule != "" {
					rules = append(rules, rule)
				}
			}
		default:
			rules = append(rules, strings.Fields(statement)...)
		}
	}
	for _, rule := range rules {
		switch strings.ToLower(rule) {
		case "on", "off", "nopass", "resetpass", "reset":
			return nil, fmt.Errorf("ACL rule %q is not allowed in statements: the plugin sets the password and status itself", rule)
		}
		if strings.ContainsAny(rule[:1], "><#!") {
			return nil, errors.New("password rules (>, <, #, !) are not allowed in statements: the plugin sets the password itself")
		}
	}
	return rules, nil
}

// created is the names NewUser made in this process (only mutant-db-updates-own-users-only reads it).
var created sync.Map

func rememberCreated(username string) { created.Store(username, true) }

func createdHere(username string) bool {
	_, ok := created.Load(username)
	return ok
}
