package mailsink

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExtractLinks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		text string
		html string
		want []string
	}{
		{name: "none", want: []string{}},
		{
			name: "text with punctuation around",
			text: "Open https://a.test/x. Or (https://a.test/y), or <https://a.test/z>; or 'https://a.test/q?x=1'!",
			want: []string{"https://a.test/x", "https://a.test/y", "https://a.test/z", "https://a.test/q?x=1"},
		},
		{
			name: "brackets that belong to the URL",
			text: "https://en.wikipedia.test/wiki/Go_(language) and [https://a.test/[1]]",
			want: []string{"https://en.wikipedia.test/wiki/Go_(language)", "https://a.test/[1]"},
		},
		{
			name: "scheme in any case, http too",
			text: "HTTPS://A.test/u http://b.test:8080/p?q=1#f",
			want: []string{"HTTPS://A.test/u", "http://b.test:8080/p?q=1#f"},
		},
		{
			name: "not absolute http",
			text: "ftp://a.test/ https:// mailto:x@y.test /relative",
			html: `<a href="/rel">r</a><a href="mailto:x@y.test">m</a><a href="javascript:alert(1)">j</a><a href="">e</a>`,
			want: []string{},
		},
		{
			name: "href unescaped, trimmed, any quoting and element",
			html: `<a href="https://a.test/?a=1&amp;b=2">1</a><A HREF='https://a.test/2'>2</A><area href=https://a.test/3><link href="  https://a.test/4 ">`,
			want: []string{"https://a.test/?a=1&b=2", "https://a.test/2", "https://a.test/3", "https://a.test/4"},
		},
		{
			name: "only hrefs of the HTML, not its text, comments or scripts",
			html: `<p>https://a.test/text</p><!-- <a href="https://a.test/comment"> --><script>x='<a href="https://a.test/script">'</script><img src="https://a.test/img.png">`,
			want: []string{},
		},
		{
			name: "deduplicated, text first",
			text: "https://a.test/1 https://a.test/2 https://a.test/1",
			html: `<a href="https://a.test/3">3</a><a href="https://a.test/2">2</a>`,
			want: []string{"https://a.test/1", "https://a.test/2", "https://a.test/3"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got := extractLinks(tc.text, tc.html)

			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("extractLinks (-want +got):\n%s", diff)
			}
		})
	}
}
