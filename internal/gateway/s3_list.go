package gateway

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/iamd/iamd/internal/s3"
)

// s3List answers the three listings.
func (s *Server) s3List(ctx context.Context, w http.ResponseWriter, c *call, req *s3Request, sr s3.Request) error {
	q := req.query
	enc := q.Get("encoding-type")
	if enc != "" && enc != "url" {
		return s3Err("InvalidArgument", "Invalid Encoding Method specified in Request")
	}
	encode := enc == "url"
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s3Err("InvalidArgument", "Provided max-keys not an integer or within integer range")
		}
		maxKeys = min(n, 1000)
	}
	in := s3.ListInput{Bucket: req.bucket, Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: maxKeys}
	owner := s3Owner{ID: s3.CanonicalID(sr.Principal.AccountID)}
	switch req.op {
	case "ListObjectsV2":
		in.Marker = q.Get("start-after")
		token := q.Get("continuation-token")
		if _, ok := q["continuation-token"]; ok {
			k, err := base64.RawURLEncoding.DecodeString(token)
			if err != nil || token == "" {
				return s3Err("InvalidArgument", "The continuation token provided is incorrect")
			}
			in.Marker = string(k)
		}
		res, err := s.s3.ListObjects(ctx, sr, in)
		if err != nil {
			return err
		}
		out := xmlListV2{NS: s3Namespace, Name: req.bucket, Prefix: s3Encode(in.Prefix, encode), Delimiter: s3Encode(in.Delimiter, encode),
			MaxKeys: maxKeys, EncodingType: enc, IsTruncated: res.IsTruncated, ContinuationToken: token,
			StartAfter: s3Encode(q.Get("start-after"), encode), KeyCount: len(res.Versions) + len(res.CommonPrefixes)}
		if res.IsTruncated {
			out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.NextMarker))
		}
		fetchOwner := q.Get("fetch-owner") == "true"
		for _, v := range res.Versions {
			x := contents(v, encode)
			if fetchOwner {
				x.Owner = &owner
			}
			out.Contents = append(out.Contents, x)
		}
		for _, p := range res.CommonPrefixes {
			out.CommonPrefixes = append(out.CommonPrefixes, xmlPrefix{s3Encode(p, encode)})
		}
		return s.writeS3XML(w, c, out)
	case "ListObjects":
		in.Marker = q.Get("marker")
		res, err := s.s3.ListObjects(ctx, sr, in)
		if err != nil {
			return err
		}
		out := xmlListV1{NS: s3Namespace, Name: req.bucket, Prefix: s3Encode(in.Prefix, encode), Marker: s3Encode(in.Marker, encode),
			Delimiter: s3Encode(in.Delimiter, encode), MaxKeys: maxKeys, EncodingType: enc, IsTruncated: res.IsTruncated}
		if res.IsTruncated && in.Delimiter != "" {
			out.NextMarker = s3Encode(res.NextMarker, encode)
		}
		for _, v := range res.Versions {
			x := contents(v, encode)
			x.Owner = &owner
			out.Contents = append(out.Contents, x)
		}
		for _, p := range res.CommonPrefixes {
			out.CommonPrefixes = append(out.CommonPrefixes, xmlPrefix{s3Encode(p, encode)})
		}
		return s.writeS3XML(w, c, out)
	default: // ListObjectVersions
		in.Marker, in.VersionIDMarker = q.Get("key-marker"), q.Get("version-id-marker")
		res, err := s.s3.ListObjectVersions(ctx, sr, in)
		if err != nil {
			return err
		}
		out := xmlListVersions{NS: s3Namespace, Name: req.bucket, Prefix: s3Encode(in.Prefix, encode),
			KeyMarker: s3Encode(in.Marker, encode), VersionIDMarker: in.VersionIDMarker, Delimiter: s3Encode(in.Delimiter, encode),
			MaxKeys: maxKeys, EncodingType: enc, IsTruncated: res.IsTruncated}
		if res.IsTruncated {
			out.NextKeyMarker, out.NextVersionIDMarker = s3Encode(res.NextMarker, encode), res.NextVersionIDMarker
		}
		for _, v := range res.Versions {
			e := xmlVersionEntry{Key: s3Encode(v.Key, encode), VersionID: v.VersionID, IsLatest: v.IsLatest,
				LastModified: s3Timestamp(v.LastModified), Owner: s3Owner{ID: s3.CanonicalID(v.Owner)}}
			if v.DeleteMarker {
				e.XMLName.Local = "DeleteMarker"
			} else {
				size := v.Size
				e.XMLName.Local, e.ETag, e.Size, e.StorageClass = "Version", v.ETag, &size, "STANDARD"
				if v.ChecksumAlgorithm != "" {
					e.ChecksumAlgorithm, e.ChecksumType = v.ChecksumAlgorithm, "FULL_OBJECT"
				}
			}
			out.Entries = append(out.Entries, e)
		}
		for _, p := range res.CommonPrefixes {
			out.CommonPrefixes = append(out.CommonPrefixes, xmlPrefix{s3Encode(p, encode)})
		}
		return s.writeS3XML(w, c, out)
	}
}

func contents(v s3.Version, encode bool) xmlContents {
	x := xmlContents{Key: s3Encode(v.Key, encode), LastModified: s3Timestamp(v.LastModified), ETag: v.ETag, Size: v.Size, StorageClass: "STANDARD"}
	if v.ChecksumAlgorithm != "" {
		x.ChecksumAlgorithm, x.ChecksumType = v.ChecksumAlgorithm, "FULL_OBJECT"
	}
	return x
}
