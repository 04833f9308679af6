package app

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// MinPasswordLength is the shortest vault password SetPassword accepts.
const MinPasswordLength = 8

func (a *App) vault() (Vault, error) {
	if a.d.Vault == nil {
		return nil, unavailable("vault")
	}
	return a.d.Vault, nil
}

// VaultStatus reports whether a vault password exists and whether Private transcripts are unlocked.
func (a *App) VaultStatus() (VaultStatus, error) {
	v, err := a.vault()
	if err != nil {
		return VaultStatus{}, err
	}
	st, err := v.Status(a.background())
	if err != nil {
		return VaultStatus{}, fmt.Errorf("vault status: %w", err)
	}
	return st, nil
}

// vaultChanged emits the new status after a change.
func (a *App) vaultChanged() (VaultStatus, error) {
	st, err := a.VaultStatus()
	if err != nil {
		return VaultStatus{}, err
	}
	a.emit(EventVault, st)
	a.emit(EventLibrary, "")
	return st, nil
}

// checkPassword is the rule every new password follows: the vault's and the cloud backup's.
func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return fmt.Errorf("%w: the password needs at least %d characters", ErrInvalid, MinPasswordLength)
	}
	return nil
}

// PasswordStrength rates a new password for the password fields (vault and backup).
type PasswordStrength struct {
	// Acceptable is whether the password follows the rule (checkPassword); Problem says why not.
	Acceptable bool   `json:"acceptable"`
	Problem    string `json:"problem"`
	// Score is 0 (unacceptable) to 4 (strong), from a rough entropy estimate: length times the
	// size of the character classes used.
	Score int `json:"score"`
	// Bits is that estimate.
	Bits int `json:"bits"`
}

// ratePassword estimates a password's strength; the rule itself is checkPassword.
func ratePassword(pw string) PasswordStrength {
	var lower, upper, digit, other bool
	n := 0
	for _, r := range pw {
		n++
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		default:
			other = true
		}
	}
	pool := 0
	for _, c := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.on {
			pool += c.size
		}
	}
	bits := 0
	if pool > 1 {
		bits = int(float64(n) * math.Log2(float64(pool)))
	}
	st := PasswordStrength{Acceptable: true, Bits: bits}
	if err := checkPassword(pw); err != nil {
		st.Acceptable, st.Problem = false, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
		return st
	}
	switch {
	case bits >= 80:
		st.Score = 4
	case bits >= 60:
		st.Score = 3
	case bits >= 45:
		st.Score = 2
	default:
		st.Score = 1
	}
	return st
}

// PasswordStrength rates a new password (vault or cloud backup) for the window's strength meter.
func (a *App) PasswordStrength(password string) (PasswordStrength, error) {
	return ratePassword(password), nil
}

// SetPassword creates the vault password (first time only; use ChangePassword afterwards).
func (a *App) SetPassword(password string) (VaultStatus, error) {
	v, err := a.vault()
	if err != nil {
		return VaultStatus{}, err
	}
	if err := checkPassword(password); err != nil {
		return VaultStatus{}, fmt.Errorf("set password: %w", err)
	}
	if err := v.SetPassword(a.background(), password); err != nil {
		return VaultStatus{}, fmt.Errorf("set password: %w", err)
	}
	return a.vaultChanged()
}

// ChangePassword replaces the vault password.
func (a *App) ChangePassword(oldPassword, newPassword string) (VaultStatus, error) {
	v, err := a.vault()
	if err != nil {
		return VaultStatus{}, err
	}
	if err := checkPassword(newPassword); err != nil {
		return VaultStatus{}, fmt.Errorf("change password: %w", err)
	}
	if err := v.ChangePassword(a.background(), oldPassword, newPassword); err != nil {
		return VaultStatus{}, fmt.Errorf("change password: %w", err)
	}
	return a.vaultChanged()
}

// Unlock opens Private transcripts with the vault password.
func (a *App) Unlock(password string) (VaultStatus, error) {
	v, err := a.vault()
	if err != nil {
		return VaultStatus{}, err
	}
	if err := v.Unlock(a.background(), password); err != nil {
		return VaultStatus{}, fmt.Errorf("unlock: %w", err)
	}
	return a.vaultChanged()
}

// Lock closes Private transcripts until the next Unlock.
func (a *App) Lock() (VaultStatus, error) {
	v, err := a.vault()
	if err != nil {
		return VaultStatus{}, err
	}
	if err := v.Lock(a.background()); err != nil {
		return VaultStatus{}, fmt.Errorf("lock: %w", err)
	}
	if a.d.QuickRecord != nil {
		a.d.QuickRecord.ForgetLast()
	}
	return a.vaultChanged()
}

// SetIdleTimeout locks the vault after minutes without use; 0 never locks on its own.
func (a *App) SetIdleTimeout(minutes int) (VaultStatus, error) {
	v, err := a.vault()
	if err != nil {
		return VaultStatus{}, err
	}
	if minutes < 0 || minutes > 24*60 {
		return VaultStatus{}, fmt.Errorf("set idle timeout: %w: %d minutes", ErrInvalid, minutes)
	}
	if err := v.SetIdleTimeout(a.background(), time.Duration(minutes)*time.Minute); err != nil {
		return VaultStatus{}, fmt.Errorf("set idle timeout: %w", err)
	}
	return a.vaultChanged()
}

// SetRemember turns "remember on this device" on or off: the vault key in the OS keyring, so that
// Private transcripts open without the password. Off by default.
func (a *App) SetRemember(on bool) (VaultStatus, error) {
	v, err := a.vault()
	if err != nil {
		return VaultStatus{}, err
	}
	if err := v.SetRemember(a.background(), on); err != nil {
		return VaultStatus{}, fmt.Errorf("remember on this device: %w", err)
	}
	return a.vaultChanged()
}
