package gateway

import (
	"encoding/xml"
	"net/url"
	"time"
)

// The REST-XML shapes of the S3 operations iamd serves, under the element
// names of botocore's s3 model (2006-03-01). They are written by hand: the
// few S3 operations iamd serves do not repay a generator, and golden files
// (testdata/s3/*.xml) pin every one of them.

// s3Namespace is the XML namespace of every S3 document.
const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// s3Time is the timestamp form of S3's XML bodies (ISO 8601, milliseconds).
const s3Time = "2006-01-02T15:04:05.000Z"

type s3Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

type xmlListBuckets struct {
	XMLName xml.Name    `xml:"ListAllMyBucketsResult"`
	NS      string      `xml:"xmlns,attr"`
	Owner   s3Owner     `xml:"Owner"`
	Buckets []xmlBucket `xml:"Buckets>Bucket"`
}

type xmlBucket struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion,omitempty"`
	BucketArn    string `xml:"BucketArn,omitempty"`
}

type xmlVersioning struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	NS        string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:"Status,omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

type xmlLocation struct {
	XMLName  xml.Name `xml:"LocationConstraint"`
	NS       string   `xml:"xmlns,attr"`
	Location string   `xml:",chardata"`
}

type xmlCreateBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

type xmlContents struct {
	Key               string   `xml:"Key"`
	LastModified      string   `xml:"LastModified"`
	ETag              string   `xml:"ETag"`
	ChecksumAlgorithm string   `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
	Size              int64    `xml:"Size"`
	Owner             *s3Owner `xml:"Owner,omitempty"`
	StorageClass      string   `xml:"StorageClass"`
}

type xmlPrefix struct {
	Prefix string `xml:"Prefix"`
}

type xmlListV2 struct {
	XMLName               xml.Name      `xml:"ListBucketResult"`
	NS                    string        `xml:"xmlns,attr"`
	Name                  string        `xml:"Name"`
	Prefix                string        `xml:"Prefix"`
	Delimiter             string        `xml:"Delimiter,omitempty"`
	MaxKeys               int           `xml:"MaxKeys"`
	EncodingType          string        `xml:"EncodingType,omitempty"`
	KeyCount              int           `xml:"KeyCount"`
	IsTruncated           bool          `xml:"IsTruncated"`
	ContinuationToken     string        `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string        `xml:"NextContinuationToken,omitempty"`
	StartAfter            string        `xml:"StartAfter,omitempty"`
	Contents              []xmlContents `xml:"Contents"`
	CommonPrefixes        []xmlPrefix   `xml:"CommonPrefixes"`
}

type xmlListV1 struct {
	XMLName        xml.Name      `xml:"ListBucketResult"`
	NS             string        `xml:"xmlns,attr"`
	Name           string        `xml:"Name"`
	Prefix         string        `xml:"Prefix"`
	Marker         string        `xml:"Marker"`
	NextMarker     string        `xml:"NextMarker,omitempty"`
	Delimiter      string        `xml:"Delimiter,omitempty"`
	MaxKeys        int           `xml:"MaxKeys"`
	EncodingType   string        `xml:"EncodingType,omitempty"`
	IsTruncated    bool          `xml:"IsTruncated"`
	Contents       []xmlContents `xml:"Contents"`
	CommonPrefixes []xmlPrefix   `xml:"CommonPrefixes"`
}

// xmlVersionEntry is a Version or a DeleteMarker of ListObjectVersions;
// S3 interleaves both in key order, so one list of entries renders them.
type xmlVersionEntry struct {
	XMLName           xml.Name
	Key               string  `xml:"Key"`
	VersionID         string  `xml:"VersionId"`
	IsLatest          bool    `xml:"IsLatest"`
	LastModified      string  `xml:"LastModified"`
	ETag              string  `xml:"ETag,omitempty"`
	ChecksumAlgorithm string  `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string  `xml:"ChecksumType,omitempty"`
	Size              *int64  `xml:"Size,omitempty"`
	StorageClass      string  `xml:"StorageClass,omitempty"`
	Owner             s3Owner `xml:"Owner"`
}

type xmlListVersions struct {
	XMLName             xml.Name          `xml:"ListVersionsResult"`
	NS                  string            `xml:"xmlns,attr"`
	Name                string            `xml:"Name"`
	Prefix              string            `xml:"Prefix"`
	KeyMarker           string            `xml:"KeyMarker"`
	VersionIDMarker     string            `xml:"VersionIdMarker"`
	NextKeyMarker       string            `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string            `xml:"NextVersionIdMarker,omitempty"`
	Delimiter           string            `xml:"Delimiter,omitempty"`
	MaxKeys             int               `xml:"MaxKeys"`
	EncodingType        string            `xml:"EncodingType,omitempty"`
	IsTruncated         bool              `xml:"IsTruncated"`
	Entries             []xmlVersionEntry `xml:",any"`
	CommonPrefixes      []xmlPrefix       `xml:"CommonPrefixes"`
}

type xmlDelete struct {
	XMLName xml.Name `xml:"Delete"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
	Quiet bool `xml:"Quiet"`
}

type xmlDeleted struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type xmlDeleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

type xmlDeleteResult struct {
	XMLName xml.Name         `xml:"DeleteResult"`
	NS      string           `xml:"xmlns,attr"`
	Deleted []xmlDeleted     `xml:"Deleted"`
	Errors  []xmlDeleteError `xml:"Error"`
}

// xmlError is S3's error document: Code and Message, the error's own
// elements (BucketName, Key, ArgumentName, …), then RequestId and HostId.
type xmlError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Details   []xmlDetail
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
}

type xmlDetail struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

func s3Timestamp(t time.Time) string { return t.UTC().Format(s3Time) }

// s3Encode applies encoding-type=url to a key or prefix: botocore and the
// Go SDK decode with the form (plus-as-space) unescaping, so this is the
// form escaping.
func s3Encode(s string, encode bool) string {
	if !encode {
		return s
	}
	return url.QueryEscape(s)
}
