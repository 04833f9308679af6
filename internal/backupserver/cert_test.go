package backupserver

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"
)

// TestSelfSignedCertificateIsALeaf parses the certificate the server makes for itself: CA:FALSE,
// only digitalSignature and serverAuth, valid for the hosts asked, and still trusted by a client
// that holds exactly it (pinned as a root), for its hosts only.
func TestSelfSignedCertificateIsALeaf(t *testing.T) {
	now := time.Now()
	for _, dir := range []string{"", t.TempDir()} {
		var certPEM []byte
		if dir == "" {
			var err error
			if certPEM, _, err = SelfSignedPEM(nil, now); err != nil {
				t.Fatal(err)
			}
		} else {
			cert, err := LoadOrCreateCertificate(dir, []string{"backup.example", "192.0.2.7"})
			if err != nil {
				t.Fatal(err)
			}
			certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
		}
		block, _ := pem.Decode(certPEM)
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if !c.BasicConstraintsValid || c.IsCA {
			t.Errorf("basic constraints: valid %v, CA %v; want a leaf (CA:FALSE)", c.BasicConstraintsValid, c.IsCA)
		}
		if c.KeyUsage != x509.KeyUsageDigitalSignature {
			t.Errorf("key usage %b, want digitalSignature only", c.KeyUsage)
		}
		if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
			t.Errorf("extended key usage %v, want serverAuth", c.ExtKeyUsage)
		}
		host := "localhost"
		if dir != "" {
			host = "backup.example"
			if len(c.IPAddresses) != 1 || !c.IPAddresses[0].Equal(net.ParseIP("192.0.2.7")) {
				t.Errorf("IP addresses %v", c.IPAddresses)
			}
		}
		pool := x509.NewCertPool()
		pool.AddCert(c)
		if _, err := c.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("a client holding the certificate does not trust it for %s: %v", host, err)
		}
		if _, err := c.Verify(x509.VerifyOptions{DNSName: "other.example", Roots: pool}); err == nil {
			t.Error("certificate verifies for a host it was not made for")
		}
	}
}
