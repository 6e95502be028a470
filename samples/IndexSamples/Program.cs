// Runs the main job on the bundled samples, as a user would from pwsh:
//   Import-Module ./HashIndexer.psd1; Update-HashIndex -Config ./samples/main_config.yaml -Verbose
// then prints the summary and the index. Exit code 1 if anything failed.
using System.Management.Automation;
using System.Management.Automation.Runspaces;

string root = FindRepositoryRoot();
string manifest = Path.Combine(root, "HashIndexer.psd1");
string config = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(root, "samples", "main_config.yaml");

using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
runspace.Open();
using PowerShell ps = PowerShell.Create();
ps.Runspace = runspace;
ps.AddScript("Import-Module $args[0] -ErrorAction Stop; Update-HashIndex -Config $args[1] -Verbose")
  .AddArgument(manifest).AddArgument(config);
ps.Streams.Verbose.DataAdded += (_, e) => Console.WriteLine("VERBOSE: " + ps.Streams.Verbose[e.Index].Message);
ps.Streams.Warning.DataAdded += (_, e) => Console.WriteLine("WARNING: " + ps.Streams.Warning[e.Index].Message);
ps.Streams.Error.DataAdded += (_, e) => Console.Error.WriteLine("ERROR: " + ps.Streams.Error[e.Index]);

try
{
    foreach (PSObject summary in ps.Invoke())
    {
        Console.WriteLine();
        foreach (PSPropertyInfo property in summary.Properties)
        {
            object? value = property.Value;
            string text = value is System.Collections.IEnumerable list and not string ? string.Join("; ", list.Cast<object>()) : value?.ToString() ?? "";
            Console.WriteLine($"{property.Name,-11}: {text}");
        }
        if (summary.Properties["OutputPath"]?.Value is string output && File.Exists(output))
        {
            Console.WriteLine();
            Console.WriteLine(File.ReadAllText(output));
        }
    }
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine("ERROR: " + ex.Message);
    return 1;
}
return ps.Streams.Error.Count == 0 ? 0 : 1;

static string FindRepositoryRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HashIndexer.sln")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? throw new InvalidOperationException("Run from inside the HashIndexer repository.");
}
