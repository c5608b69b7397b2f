using System.Runtime.Versioning;
using System.Diagnostics;
using System.Text;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.FreshMachine;

/// <summary>
/// A machine as scripts/prerequisites.sh sees it, made of fake programs: a copy of the script in a fake checkout, and a
/// PATH holding only the programs a test puts there (java, node, npm, initdb, apt-get, sudo, …), each a few lines of
/// bash that print a version or record its call. apt-get "installs" a package by copying its staged programs onto
/// that PATH. Nothing on the real machine is installed or removed; the real PostgreSQL directories are hidden with
/// PREREQUISITES_ROOT.
/// </summary>
[UnsupportedOSPlatform("windows")] // bash, file modes, setpriv
internal sealed class FakeMachine : IDisposable
{
    private const UnixFileMode Everyone = (UnixFileMode)0b111_111_111;
    private readonly string _root;
    private readonly Dictionary<string, string> _environment = [];

    public FakeMachine()
    {
        _root = Directory.CreateTempSubdirectory("eventledger-prereq-").FullName;
        Repo = MakeDirectory("repo");
        Bin = MakeDirectory("bin");
        Packages = MakeDirectory("packages");
        MakeDirectory("repo/scripts");
        MakeDirectory("repo/node_modules");
        MakeDirectory("sysroot");
        File.Copy(Prerequisites.Script, Path.Combine(Repo, "scripts", "prerequisites.sh"));
        File.WriteAllText(Path.Combine(Repo, "package-lock.json"), "{}");
        File.SetLastWriteTimeUtc(Path.Combine(Repo, "package-lock.json"), DateTime.UtcNow.AddMinutes(-10));
        LogPath = Path.Combine(_root, "calls.log");
        File.WriteAllText(LogPath, "");
        File.SetUnixFileMode(LogPath, Everyone);
        File.SetUnixFileMode(_root, Everyone);

        // What apt-get can install here; the package names are Debian's.
        Stage("openjdk-17-jre-headless", "java", JavaScript("17.0.15"));
        Stage("nodejs", "node", "echo v18.19.0");
        Stage("npm", "npm", NpmScript);
        Stage("postgresql", "initdb", "exit 0");
        Stage("postgresql", "postgres", "exit 0");
        Program("mkdir", """echo "mkdir $*" >> "$FAKE_LOG" """);
        _environment["PATH"] = Bin;
        _environment["HOME"] = _root;
        _environment["PREREQUISITES_ROOT"] = Path.Combine(_root, "sysroot");
        _environment["FAKE_LOG"] = LogPath;
        _environment["FAKE_BIN"] = Bin;
        _environment["FAKE_PACKAGES"] = Packages;
    }

    public string Repo { get; }
    public string Bin { get; }
    public string Packages { get; }
    public string LogPath { get; }

    /// <summary>The programs called so far, one line each ("apt-get install -y …").</summary>
    public IReadOnlyList<string> Calls => [.. File.ReadAllLines(LogPath).Where(l => l.Length > 0)];

    private const string NpmScript = """
        echo "npm $*" >> "$FAKE_LOG"
        echo '{}' > node_modules/.package-lock.json
        """;

    public static string JavaScript(string version) => $$"""echo 'openjdk version "{{version}}" 2025-04-15' >&2""";

    public FakeMachine Java(string version) => Program("java", JavaScript(version));

    public FakeMachine Node(string version) => Program("node", $"echo v{version}").Program("npm", NpmScript);

    public FakeMachine Postgres() => Program("initdb", "exit 0").Program("postgres", "exit 0");

    /// <summary>node_modules as npm ci leaves it, newer than package-lock.json.</summary>
    public FakeMachine NodeModules()
    {
        File.WriteAllText(Path.Combine(Repo, "node_modules", ".package-lock.json"), "{}");
        return this;
    }

    /// <summary>Everything the local stack needs is there.</summary>
    public FakeMachine Complete() => Java("17.0.15").Node("20.11.1").Postgres().NodeModules();

    /// <summary>apt-get records its calls and installs the staged packages it is asked for.</summary>
    public FakeMachine AptGet() => Program("apt-get", """
        echo "apt-get $*" >> "$FAKE_LOG"
        if [ "$1" = install ]; then
          for package in "$@"; do
            if [ -d "$FAKE_PACKAGES/$package" ]; then /bin/cp -p "$FAKE_PACKAGES/$package"/* "$FAKE_BIN"/; fi
          done
        fi
        """);

    /// <summary>sudo that runs the command (passwordless) or, like sudo -n without cached credentials, refuses.</summary>
    public FakeMachine Sudo(bool passwordless) => Program("sudo", passwordless
        ? """
          echo "sudo $*" >> "$FAKE_LOG"
          if [ "$1" = -n ]; then shift; fi
          if [ "$1" = true ]; then exit 0; fi
          exec "$@"
          """
        : """
          echo "sudo $*" >> "$FAKE_LOG"
          echo "sudo: a password is required" >&2
          exit 1
          """);

    /// <summary>Takes programs off the PATH.</summary>
    public FakeMachine Without(params string[] programs)
    {
        foreach (var program in programs) File.Delete(Path.Combine(Bin, program));
        return this;
    }

    public FakeMachine With(string variable, string value)
    {
        _environment[variable] = value;
        return this;
    }

    /// <summary>Runs the script (<c>--check</c> or <c>--install</c>) with this machine's PATH and no terminal.</summary>
    /// <param name="asUser">As an unprivileged user: through setpriv as 'nobody' when the tests run as root.</param>
    public Task<(int ExitCode, string Output)> RunAsync(string mode, bool asUser = false) =>
        StartAsync(Command(mode, asUser), input: null);

    /// <summary>Runs <c>--install</c> on a terminal (util-linux <c>script</c> gives it one) and types <paramref name="answer"/>.</summary>
    public Task<(int ExitCode, string Output)> RunOnTerminalAsync(string answer) =>
        StartAsync(["/usr/bin/script", "-qec", $"/bin/bash {ScriptPath} --install", "/dev/null"], answer + "\n");

    private string ScriptPath => Path.Combine(Repo, "scripts", "prerequisites.sh");

    private List<string> Command(string mode, bool asUser) => asUser && Environment.IsPrivilegedProcess
        ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/bash", ScriptPath, mode]
        : ["/bin/bash", ScriptPath, mode];

    private async Task<(int, string)> StartAsync(List<string> command, string? input)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (name, value) in _environment) start.Environment[name] = value;
        start.Environment["SHELL"] = "/bin/bash";

        using var process = Process.Start(start)!;
        if (input is not null)
        {
            // Typed ahead: the terminal holds it until the script reads its answer. Stdin stays open until the end.
            await process.StandardInput.WriteAsync(input);
            await process.StandardInput.FlushAsync();
        }
        else
        {
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, new StringBuilder().Append(await errors).Append(await output).ToString());
    }

    private FakeMachine Program(string name, string body) => Write(Path.Combine(Bin, name), body);

    private void Stage(string package, string name, string body)
    {
        Directory.CreateDirectory(Path.Combine(Packages, package));
        Write(Path.Combine(Packages, package, name), body);
    }

    private FakeMachine Write(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(path, Everyone);
        return this;
    }

    private string MakeDirectory(string relative)
    {
        var path = Directory.CreateDirectory(Path.Combine(_root, relative)).FullName;
        File.SetUnixFileMode(path, Everyone);
        return path;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
