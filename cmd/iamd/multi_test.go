package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/store/storetest"
)

// TestTwoServersOneStore runs two servers on one store: a write through
// one is seen by the other within a second (its cache polls the accounts'
// generations every 250 ms), and by the writer at once.
func TestTwoServersOneStore(t *testing.T) {
	setRootEnv(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			args := storeArgs(t, e, dir)
			a := startServe(t, args...)
			b := startServe(t, args...)
			ctx := context.Background()
			rootA, _ := clients(a.url, testRootKey, testRootSecret, "")
			rootB, _ := clients(b.url, testRootKey, testRootSecret, "")
			if _, err := rootA.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
				t.Fatal(err)
			}
			key, err := rootA.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rootB.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")}); err != nil {
				t.Fatalf("GetUser on the second server: %v", err)
			}
			_, stsB := clients(b.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
			if _, err := stsB.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil {
				t.Fatalf("new key on the second server: %v", err)
			}
			if _, err := rootA.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"),
				AccessKeyId: key.AccessKey.AccessKeyId, Status: "Inactive"}); err != nil {
				t.Fatal(err)
			}
			// The second server caches keys and polls the generations
			// every 250 ms: the change is honoured within a second.
			deadline := time.Now().Add(time.Second)
			for {
				if _, err := stsB.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("key deactivated on the first server still works on the second after 1 s")
				}
				time.Sleep(25 * time.Millisecond)
			}
			// On the first server, the writer, it is refused at once.
			_, stsA := clients(a.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
			if _, err := stsA.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err == nil {
				t.Fatal("key deactivated on the first server still works there")
			}
		})
	}
}

// TestTLS serves HTTPS with --tls-cert and --tls-key.
func TestTLS(t *testing.T) {
	setRootEnv(t)
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	d := startServe(t, "--data-dir", dir, "--database-url", "", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(d.url, "https://") {
		t.Fatalf("url = %s, want https", d.url)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(d.url),
		Credentials: credentials.NewStaticCredentialsProvider(testRootKey, testRootSecret, ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
	who, err := awssts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &awssts.GetCallerIdentityInput{})
	if err != nil || *who.Account != "210987654321" {
		t.Fatalf("GetCallerIdentity over TLS = %+v, %v", who, err)
	}
}

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}
