package charts

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// palette reads the colour variables of one theme's block of page.css.
func palette(t *testing.T, block string) map[string][3]float64 {
	t.Helper()
	out := map[string][3]float64{}
	for _, m := range regexp.MustCompile(`--([a-z0-9-]+):#([0-9a-f]{6})`).FindAllStringSubmatch(block, -1) {
		var c [3]float64
		for i := range 3 {
			v, _ := strconv.ParseUint(m[2][2*i:2*i+2], 16, 8)
			c[i] = float64(v) / 255
		}
		out[m[1]] = c
	}
	return out
}

// linear is an sRGB colour's linear light.
func linear(c [3]float64) [3]float64 {
	var l [3]float64
	for i, v := range c {
		if v <= 0.04045 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return l
}

func luminance(c [3]float64) float64 {
	l := linear(c)
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is WCAG's contrast ratio.
func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// lab is CIE L*a*b* (D65) of an sRGB colour, for a perceptual distance.
func lab(c [3]float64) [3]float64 {
	l := linear(c)
	x := (0.4124*l[0] + 0.3576*l[1] + 0.1805*l[2]) / 0.95047
	y := 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	z := (0.0193*l[0] + 0.1192*l[1] + 0.9505*l[2]) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

func distance(a, b [3]float64) float64 {
	la, lb := lab(a), lab(b)
	return math.Sqrt((la[0]-lb[0])*(la[0]-lb[0]) + (la[1]-lb[1])*(la[1]-lb[1]) + (la[2]-lb[2])*(la[2]-lb[2]))
}

// Every colour a figure uses stands out from the background of both themes (WCAG's 3:1 for
// graphics), and the colours that share a figure are far apart (CIE76 ΔE ≥ 20): no colour
// repeats, none fades into the dark background.
func TestPalettes(t *testing.T) {
	dark := pageCSS[strings.Index(pageCSS, "@media (prefers-color-scheme: dark)"):]
	light := pageCSS[:strings.Index(pageCSS, "@media")]
	groups := [][]string{
		{RoleP50, RoleP90, RoleP99, RoleMax},
		{RoleOK, RoleRefused, RoleThrottled, RoleFailed, RoleDry},
		{RoleFailed, RoleThrottled, RoleRefused, RoleDry}, // the error-share figure
	}
	for name, block := range map[string]string{"light": light, "dark": dark} {
		p := palette(t, block)
		bg, ok := p["bg"]
		if !ok {
			t.Fatalf("%s theme: no --bg", name)
		}
		for _, g := range groups {
			for i, a := range g {
				ca, ok := p["c-"+a]
				if !ok {
					t.Fatalf("%s theme: no --c-%s", name, a)
				}
				if c := contrast(ca, bg); c < 3 {
					t.Errorf("%s theme: --c-%s has contrast %.2f:1 against the background, want at least 3:1", name, a, c)
				}
				for _, b := range g[i+1:] {
					if d := distance(ca, p["c-"+b]); d < 20 {
						t.Errorf("%s theme: --c-%s and --c-%s are %.1f apart (ΔE), want at least 20", name, a, b, d)
					}
				}
			}
		}
	}
}

// Write checks its figures, keeps "</" of the data from ending the script, and Drawn counts
// what the script draws.
func TestWrite(t *testing.T) {
	f := Figure{ID: "a", Title: "</script><b>", Kind: KindLines, Series: []Series{{Name: "x", Role: RoleP50, X: []float64{0, 1, 2}, Y: Values{1, math.NaN(), 3}}}}
	var b strings.Builder
	if err := Write(&b, Page{Title: "t <x>", Figures: []Figure{f}}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Count(page, "</script>") != 2 || !strings.Contains(page, "t &lt;x&gt;") {
		t.Errorf("page not escaped:\n%s", page)
	}
	if !strings.Contains(page, `"y":[1,null,3]`) {
		t.Errorf("NaN not written as null")
	}
	var back Values
	if err := json.Unmarshal([]byte(`[1,null,3]`), &back); err != nil || len(back) != 3 || !math.IsNaN(back[1]) {
		t.Errorf("null read back as %v (%v), want NaN", back, err)
	}
	if got := f.Drawn(); got != 2 {
		t.Errorf("Drawn %d, want 2", got)
	}
	st := Figure{ID: "s", Kind: KindStacked, Series: []Series{{Name: "ok", Role: RoleOK, X: []float64{0, 1}, Y: Values{0, 5}}}}
	if got := st.Drawn(); got != 1 {
		t.Errorf("stacked Drawn %d, want 1 (zero bars are not drawn)", got)
	}
	bad := []Figure{{ID: "k", Kind: "pie"}, {ID: "n", Kind: KindLines, Series: []Series{{X: []float64{1}, Y: Values{}}}}}
	for _, f := range bad {
		if err := Write(&b, Page{Figures: []Figure{f}}); err == nil {
			t.Errorf("figure %q: no error", f.ID)
		}
	}
	for _, net := range []string{"src=", "href=", "url(", "@import", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(page, net) {
			t.Errorf("the page may load something (%s)", net)
		}
	}
}
