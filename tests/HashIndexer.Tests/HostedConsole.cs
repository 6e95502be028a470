using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;

namespace HashIndexer.Tests;

/// <summary>
/// A hosted session whose host captures what PowerShell would print on a console. The hosted engine has
/// no Out-String or Format-Table (they live in Microsoft.PowerShell.Utility), but Out-Host is a Core
/// cmdlet: piping to it runs the real formatter (format views, help views) and writes through this host.
/// </summary>
internal sealed class HostedConsole : IDisposable
{
    private readonly CapturingHost _host;
    private readonly Runspace _runspace;

    public HostedConsole(int width = 160)
    {
        _host = new CapturingHost(width);
        InitialSessionState iss = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }
        _runspace = RunspaceFactory.CreateRunspace(_host, iss);
        _runspace.Open();
        Run("Import-Module $args[0] -ErrorAction Stop", TestPaths.ManifestPath);
    }

    /// <summary>Runs a script (pipe to Out-Host to render) and returns the text the host received.</summary>
    public string Run(string script, params object?[] args)
    {
        _host.Text.Clear();
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (object? arg in args)
        {
            ps.AddArgument(arg);
        }
        ps.Invoke();
        if (ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException("PowerShell wrote errors:\n" + string.Join("\n", ps.Streams.Error));
        }
        // The formatter colours table headers and list labels with ANSI sequences ($PSStyle): drop them.
        return Regex.Replace(_host.Text.ToString(), @"\x1b\[[0-9;]*m", "").Replace("\r\n", "\n");
    }

    public void Dispose() => _runspace.Dispose();

    private sealed class CapturingHost(int width) : PSHost
    {
        private readonly CapturingUI _ui = new(width);

        public StringBuilder Text => _ui.Text;

        public override string Name => "HashIndexerTestHost";

        public override Version Version { get; } = new(1, 0);

        public override Guid InstanceId { get; } = Guid.NewGuid();

        public override PSHostUserInterface UI => _ui;

        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        public override void SetShouldExit(int exitCode)
        {
        }

        public override void EnterNestedPrompt() => throw new NotSupportedException();

        public override void ExitNestedPrompt() => throw new NotSupportedException();

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }
    }

    private sealed class CapturingUI(int width) : PSHostUserInterface
    {
        public StringBuilder Text { get; } = new();

        public override PSHostRawUserInterface RawUI { get; } = new RawUI(width);

        public override string ReadLine() => throw new NotSupportedException();

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

        public override void Write(string value) => Text.Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Text.Append(value);

        public override void WriteLine(string value) => Text.Append(value).Append('\n');

        public override void WriteErrorLine(string value) => Text.Append("ERROR: ").Append(value).Append('\n');

        public override void WriteDebugLine(string message)
        {
        }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message)
        {
        }

        public override void WriteWarningLine(string message) => Text.Append("WARNING: ").Append(message).Append('\n');

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException();
    }

    private sealed class RawUI(int width) : PSHostRawUserInterface
    {
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override Coordinates CursorPosition { get; set; }

        public override Coordinates WindowPosition { get; set; }

        public override int CursorSize { get; set; }

        public override Size BufferSize { get; set; } = new(width, 9999);

        public override Size WindowSize { get; set; } = new(width, 50);

        public override Size MaxWindowSize => new(width, 50);

        public override Size MaxPhysicalWindowSize => new(width, 50);

        public override bool KeyAvailable => false;

        public override string WindowTitle { get; set; } = "";

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void FlushInputBuffer()
        {
        }

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();
    }
}
