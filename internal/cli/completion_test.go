package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The bash script, run by a real bash: completing a command name, a
// subcommand and a flag gives what the CLI accepts.
func TestCompletionBash(t *testing.T) {
	script := mustVigil(t, "", "completion", "bash")
	path := filepath.Join(t.TempDir(), "vigil.bash")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		words string // what was typed, the last word being completed
		want  string
	}{
		{"vigil fore", "forecast"},
		{"vigil import ac", "acled"},
		{"vigil --db x.db forecast --hor", "--horizon"},
		{"vigil analyze ha", "hawkes"},
		{"vigil restore --fo", "--force"},
		{"vigil completion zs", "zsh"},
	} {
		words := strings.Fields(tc.words)
		cmd := exec.Command("bash", "-c", `source "$1"; COMP_WORDS=(${2}); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _vigil; echo "${COMPREPLY[*]}"`, "bash", path, strings.Join(words, " "))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("completing %q: got %q, want %q", tc.words, got, tc.want)
		}
	}
}

func TestCompletionShells(t *testing.T) {
	for _, sh := range []string{"zsh", "fish"} {
		out := mustVigil(t, "", "completion", sh)
		for _, want := range []string{"forecast", "backtest", "horizon", "import"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s completion lacks %q", sh, want)
			}
		}
	}
	if _, _, err := vigil(t, "", "completion", "powershell"); err == nil {
		t.Errorf("an unknown shell got no error")
	}
	help := mustVigil(t, "", "help", "backtest")
	if !strings.Contains(help, "-refit") || !strings.Contains(help, "rolling origin") {
		t.Errorf("vigil help backtest:\n%s", help)
	}
	if _, _, err := vigil(t, "", "help", "nonsense"); err == nil {
		t.Errorf("help for an unknown command got no error")
	}
}
