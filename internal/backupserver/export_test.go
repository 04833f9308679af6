package backupserver

import (
	"context"

	"github.com/minio/minio-go/v7"
)

// S3ETag returns the ETag S3 reports for key (tests: a multipart upload's ETag ends in -<parts>).
func S3ETag(ctx context.Context, b *S3Blobs, key string) (string, error) {
	info, err := b.client.StatObject(ctx, b.bucket, key, minio.StatObjectOptions{})
	return info.ETag, err
}
