package extract_test

import (
	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/source/feed/poll"
)

// ClaimExtractor is what the feed poller takes: set poll.Poller.Extractor
// to one and new articles come with their claims.
var _ poll.Extractor = extract.ClaimExtractor{}
