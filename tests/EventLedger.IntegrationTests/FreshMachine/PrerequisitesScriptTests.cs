using System.Runtime.Versioning;

namespace EventLedger.IntegrationTests.FreshMachine;

/// <summary>
/// scripts/prerequisites.sh, the one place that decides what the local stack is missing (./eventledger demo, .ci/run
/// and the test fixture all run it), on machines made of fake programs: what it finds missing, what it installs and
/// how, and the one command it names when it may not install.
/// </summary>
[UnsupportedOSPlatform("windows")] // bash, file modes, setpriv
public sealed class PrerequisitesScriptTests
{
    private const string AptInstall = "apt-get update && apt-get install -y --no-install-recommends";

    [Fact]
    public async Task A_machine_with_everything_passes_the_check()
    {
        using var machine = new FakeMachine().Complete().AptGet();

        var (exit, output) = await machine.RunAsync("--check");

        Assert.True(exit == 0, output);
        Assert.Empty(machine.Calls);
    }

    [Theory]
    [InlineData("no java", "Java 17+", "openjdk-17-jre-headless")]
    [InlineData("java 11", "Java 17+ (found Java 11: ", "openjdk-17-jre-headless")]
    [InlineData("java 1.8", "Java 17+ (found Java 8: ", "openjdk-17-jre-headless")]
    [InlineData("no node", "Node 18+ with npm", "nodejs npm")]
    [InlineData("node 16", "Node 18+ with npm (found Node 16)", "nodejs npm")]
    [InlineData("no postgres", "PostgreSQL server binaries (initdb, postgres)", "postgresql")]
    public async Task The_check_names_what_is_missing_and_the_one_command_that_installs_it(string machineLacks, string missing, string packages)
    {
        using var machine = new FakeMachine().Complete().AptGet();
        _ = machineLacks switch
        {
            "no java" => machine.Without("java"),
            "java 11" => machine.Java("11.0.2"),
            "java 1.8" => machine.Java("1.8.0_392"),
            "no node" => machine.Without("node", "npm"),
            "node 16" => machine.Node("16.20.2"),
            "no postgres" => machine.Without("initdb", "postgres"),
            _ => throw new ArgumentOutOfRangeException(nameof(machineLacks)),
        };

        var (exit, output) = await machine.RunAsync("--check");

        Assert.Equal(1, exit);
        Assert.Contains($"missing: {missing}", output, StringComparison.Ordinal);
        Assert.Contains($"{AptInstall} {packages}", output, StringComparison.Ordinal);
        Assert.Empty(machine.Calls);
    }

    [Fact]
    public async Task Node_modules_older_than_the_lock_file_need_npm_ci()
    {
        using var machine = new FakeMachine().Java("21").Node("22.12.0").Postgres();

        var (exit, output) = await machine.RunAsync("--check");

        Assert.Equal(1, exit);
        Assert.Contains("missing: node_modules (npm ci)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_servers_need_neither_java_nor_node_nor_postgres()
    {
        using var machine = new FakeMachine()
            .With("EVENTLEDGER_DYNAMODB_ENDPOINT", "http://127.0.0.1:8000")
            .With("EVENTLEDGER_POSTGRES", "Host=127.0.0.1;Username=postgres")
            .With("EVENTLEDGER_AWS_ENDPOINT", "http://127.0.0.1:4566");

        var (exit, output) = await machine.RunAsync("--check");

        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task A_configured_DynamoDB_still_needs_node_modules_for_the_AWS_emulator_but_not_java()
    {
        using var machine = new FakeMachine().Node("20.11.1").Postgres().With("EVENTLEDGER_DYNAMODB_ENDPOINT", "http://127.0.0.1:8000");

        var (exit, output) = await machine.RunAsync("--check");

        Assert.Equal(1, exit);
        Assert.Contains("missing: node_modules (npm ci)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Java", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_as_root_or_with_passwordless_sudo_installs_what_is_missing_then_runs_npm_ci()
    {
        // As root (how .ci/run and the tests run here) apt-get runs directly; as anyone else through sudo.
        using var machine = new FakeMachine().AptGet().Sudo(passwordless: true);

        var (exit, output) = await machine.RunAsync("--install");

        Assert.True(exit == 0, output);
        var sudo = Environment.IsPrivilegedProcess ? "" : "sudo ";
        Assert.Contains($"{sudo}apt-get update -q", machine.Calls);
        Assert.Contains($"{sudo}apt-get install -y -q --no-install-recommends openjdk-17-jre-headless nodejs npm postgresql", machine.Calls);
        Assert.Equal("npm ci --no-audit --no-fund --loglevel=error", machine.Calls[^1]);
        Assert.Contains("installing with apt-get: openjdk-17-jre-headless nodejs npm postgresql", output, StringComparison.Ordinal);
        Assert.True((await machine.RunAsync("--check")).ExitCode == 0, "the check passes after the install");
    }

    [Fact]
    public async Task Install_as_a_user_with_passwordless_sudo_and_no_terminal_goes_through_sudo_without_asking()
    {
        using var machine = new FakeMachine().Complete().AptGet().Sudo(passwordless: true).Without("initdb", "postgres");

        var (exit, output) = await machine.RunAsync("--install", asUser: true);

        Assert.True(exit == 0, output);
        Assert.Contains("sudo apt-get install -y -q --no-install-recommends postgresql", machine.Calls);
        Assert.DoesNotContain("[Y/n]", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "su -c '")]
    [InlineData(true, "sudo sh -c '")]
    public async Task Install_as_a_user_who_may_not_install_stops_with_the_one_command_to_run(bool hasSudo, string prefix)
    {
        using var machine = new FakeMachine().Complete().AptGet().Without("java");
        if (hasSudo) machine.Sudo(passwordless: false);

        var (exit, output) = await machine.RunAsync("--install", asUser: true);

        Assert.Equal(1, exit);
        Assert.Contains($"{prefix}{AptInstall} openjdk-17-jre-headless'", output, StringComparison.Ordinal);
        Assert.DoesNotContain(machine.Calls, c => c.Contains("apt-get", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_person_at_the_terminal_is_asked_first_and_no_means_nothing_is_installed()
    {
        using var machine = new FakeMachine().Complete().AptGet().Sudo(passwordless: false).Without("node", "npm");

        var (exit, output) = await machine.RunOnTerminalAsync("n");

        Assert.Equal(1, exit);
        Assert.Contains("Install nodejs npm with apt-get", output, StringComparison.Ordinal);
        Assert.Contains($"{AptInstall} nodejs npm", output, StringComparison.Ordinal);
        Assert.DoesNotContain(machine.Calls, c => c.Contains("apt-get", StringComparison.Ordinal));
    }
}
