package backupserver

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config locates an S3-compatible bucket.
type S3Config struct {
	Endpoint  string // host[:port], without scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string // empty means us-east-1
	// Insecure uses plain HTTP to the object store (only for a store on the same host or a private
	// network; the blobs are encrypted by the clients either way).
	Insecure bool
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// CreateBucket creates the bucket if it does not exist.
	CreateBucket bool
	// PartSize is the largest blob stored with one PUT; larger blobs go up as a multipart upload in
	// parts of this size. 0 means 64 MiB; S3 requires at least 5 MiB.
	PartSize uint64
}

// S3Blobs stores blobs as objects in an S3-compatible bucket, one object per key, through
// minio-go. S3 acknowledges a PUT only once the object is stored, which gives Put its durability.
type S3Blobs struct {
	client   *minio.Client
	bucket   string
	partSize uint64
}

var _ Blobs = (*S3Blobs)(nil)

// NewS3Blobs connects to an S3-compatible object store and checks that the bucket exists
// (creating it if cfg.CreateBucket).
func NewS3Blobs(ctx context.Context, cfg S3Config) (*S3Blobs, error) {
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       !cfg.Insecure,
		Transport:    cfg.Transport,
		Region:       region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("open s3 %s: %w", cfg.Endpoint, err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("open s3 bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		if !cfg.CreateBucket {
			return nil, fmt.Errorf("open s3: bucket %s does not exist: %w", cfg.Bucket, ErrNotFound)
		}
		if err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: region}); err != nil {
			return nil, fmt.Errorf("create s3 bucket %s: %w", cfg.Bucket, err)
		}
	}
	part := cfg.PartSize
	if part == 0 {
		part = 64 << 20
	}
	if part < 5<<20 {
		return nil, fmt.Errorf("open s3: part size %d is below S3's minimum of 5 MiB", part)
	}
	return &S3Blobs{client: c, bucket: cfg.Bucket, partSize: part}, nil
}

// countingReader counts bytes and remembers whether the underlying reader reached EOF.
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// Put implements Blobs.
func (b *S3Blobs) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	cr := &countingReader{r: r}
	_, err := b.client.PutObject(ctx, b.bucket, key, cr, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    b.partSize, // a single PUT up to this size, multipart above
	})
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	if !cr.eof {
		// The object holds the first size bytes; the reader had more. Refuse, leaving nothing.
		var one [1]byte
		if n, _ := io.ReadFull(r, one[:]); n > 0 {
			b.Delete(context.WithoutCancel(ctx), key)
			return fmt.Errorf("put blob: more than %d bytes: %w", size, ErrSize)
		}
	}
	return nil
}

func isNoSuchKey(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

// Get implements Blobs.
func (b *S3Blobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("get blob: %w", err)
	}
	obj, err := b.client.GetObject(ctx, b.bucket, key, minio.GetObjectOptions{})
	if err == nil {
		// GetObject is lazy; Stat makes the request and reports a missing key.
		if _, err = obj.Stat(); err != nil {
			obj.Close()
		}
	}
	if err != nil {
		if isNoSuchKey(err) {
			return nil, fmt.Errorf("get blob: %w", ErrNotFound)
		}
		return nil, fmt.Errorf("get blob: %w", err)
	}
	return obj, nil
}

// Delete implements Blobs.
func (b *S3Blobs) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	if err := b.client.RemoveObject(ctx, b.bucket, key, minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}

// DeletePrefix implements Blobs.
func (b *S3Blobs) DeletePrefix(ctx context.Context, prefix string) error {
	if err := checkKey(prefix); err != nil {
		return fmt.Errorf("delete blobs: %w", err)
	}
	var firstErr error
	for obj := range b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("delete blobs: list: %w", obj.Err)
		}
		if err := b.Delete(ctx, obj.Key); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return fmt.Errorf("delete blobs: %w", firstErr)
	}
	return nil
}
