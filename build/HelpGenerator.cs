// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
//
// The help generator: docs/help/*.md (platyPS-style markdown, one file per cmdlet, plus about_*.md)
// becomes the MAML file Get-Help reads for the cmdlets (HashIndexer.dll-Help.xml) and one
// <topic>.help.txt per about topic. It is compiled by MSBuild's RoslynCodeTaskFactory (build/Help.targets),
// so the .NET SDK alone builds the help: no platyPS, no pwsh. It targets netstandard2.0 APIs on purpose
// (that is what the task factory compiles against).
//
// Malformed markdown (a cmdlet page without a synopsis, a parameter without its yaml block, an unknown
// yaml key) fails the build with the file and line, so the help cannot silently lose content.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class GenerateModuleHelp : Task
{
    private static readonly XNamespace s_msh = "http://msh";
    private static readonly XNamespace s_maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace s_command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace s_dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private static readonly XNamespace s_msHelp = "http://msdn.microsoft.com/mshelp";

    private static readonly string[] s_yamlKeys =
    {
        "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value",
        "Accept pipeline input", "Accept wildcard characters",
    };

    /// <summary>The folder holding the markdown (docs/help).</summary>
    [Required]
    public string MarkdownDirectory { get; set; } = "";

    /// <summary>Culture folders to write into (e.g. out/HashIndexer/en-US); each gets the same files.</summary>
    [Required]
    public ITaskItem[] OutputDirectories { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The MAML file name PowerShell looks for: the cmdlet assembly's file name + "-Help.xml".</summary>
    [Required]
    public string HelpFileName { get; set; } = "";

    /// <summary>Every file written, for incremental builds and clean.</summary>
    [Output]
    public ITaskItem[] WrittenFiles { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        var commands = new List<XElement>();
        var abouts = new List<KeyValuePair<string, string>>();
        foreach (string file in Directory.GetFiles(MarkdownDirectory, "*.md").OrderBy(f => f, StringComparer.Ordinal))
        {
            try
            {
                Document doc = Document.Parse(file);
                if (Path.GetFileName(file).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                {
                    abouts.Add(new KeyValuePair<string, string>(doc.Title, AboutWriter.Write(doc)));
                }
                else
                {
                    commands.Add(MamlWriter.Write(doc));
                }
            }
            catch (HelpFormatException ex)
            {
                Log.LogError(null, "HELP001", null, file, ex.Line, 0, 0, 0, ex.Message);
            }
        }
        if (Log.HasLoggedErrors)
        {
            return false;
        }

        var maml = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(s_msh + "helpItems", new XAttribute("schema", "maml"), commands));
        var written = new List<ITaskItem>();
        foreach (ITaskItem outputDirectory in OutputDirectories)
        {
            string dir = outputDirectory.GetMetadata("FullPath");
            Directory.CreateDirectory(dir);
            string mamlPath = Path.Combine(dir, HelpFileName);
            var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
            using (XmlWriter writer = XmlWriter.Create(mamlPath, settings))
            {
                maml.Save(writer);
            }
            written.Add(new TaskItem(mamlPath));
            foreach (KeyValuePair<string, string> about in abouts)
            {
                string aboutPath = Path.Combine(dir, about.Key + ".help.txt");
                File.WriteAllText(aboutPath, about.Value, new UTF8Encoding(false));
                written.Add(new TaskItem(aboutPath));
            }
        }
        WrittenFiles = written.ToArray();
        Log.LogMessage(MessageImportance.High, "Help: {0} cmdlet(s), {1} about topic(s) -> {2}", commands.Count, abouts.Count,
            string.Join(", ", OutputDirectories.Select(d => d.ItemSpec)));
        return true;
    }

    #region Markdown model

    private sealed class HelpFormatException : Exception
    {
        public HelpFormatException(int line, string message) : base(message) => Line = line;

        public int Line { get; }
    }

    private enum BlockKind
    {
        Paragraph,
        ListItem,
        Code,
        Table,
    }

    private sealed class Block
    {
        public BlockKind Kind;
        public string Text = "";
        public string Info = "";
        public int Line;
    }

    /// <summary>A heading and what follows it up to the next heading of the same or a higher level.</summary>
    private sealed class Section
    {
        public string Title = "";
        public int Level;
        public int Line;
        public List<Block> Blocks = new List<Block>();
        public List<Section> Children = new List<Section>();

        public Section? Child(string title) =>
            Children.FirstOrDefault(c => string.Equals(c.Title, title, StringComparison.OrdinalIgnoreCase));

        public Section Required(string title) =>
            Child(title) ?? throw new HelpFormatException(Line, "'" + Title + "' has no '## " + title + "' section.");
    }

    private sealed class Document
    {
        public string Title = "";
        public Section Root = new Section();
        public string FileName = "";

        public static Document Parse(string path)
        {
            string[] lines = File.ReadAllLines(path);
            var doc = new Document { FileName = Path.GetFileName(path) };
            var stack = new Stack<Section>();
            stack.Push(doc.Root);
            var paragraph = new StringBuilder();
            Block? current = null;
            int i = 0;
            // YAML front matter (platyPS writes one) carries nothing Get-Help shows.
            if (lines.Length > 0 && lines[0].Trim() == "---")
            {
                for (i = 1; i < lines.Length && lines[i].Trim() != "---"; i++)
                {
                }
                i++;
            }

            void Flush()
            {
                if (current != null)
                {
                    current.Text = current.Text.Trim();
                    stack.Peek().Blocks.Add(current);
                    current = null;
                }
            }

            for (; i < lines.Length; i++)
            {
                string line = lines[i];
                string trimmed = line.Trim();
                int lineNumber = i + 1;
                if (trimmed.StartsWith("```", StringComparison.Ordinal))
                {
                    Flush();
                    var code = new Block { Kind = BlockKind.Code, Info = trimmed.Substring(3).Trim(), Line = lineNumber };
                    var body = new List<string>();
                    for (i++; i < lines.Length && !lines[i].Trim().StartsWith("```", StringComparison.Ordinal); i++)
                    {
                        body.Add(lines[i]);
                    }
                    if (i >= lines.Length)
                    {
                        throw new HelpFormatException(lineNumber, "Unclosed code fence.");
                    }
                    code.Text = string.Join("\n", body);
                    stack.Peek().Blocks.Add(code);
                    continue;
                }
                Match heading = Regex.Match(line, @"^(#{1,6})\s+(.*?)\s*#*\s*$");
                if (heading.Success)
                {
                    Flush();
                    var section = new Section { Level = heading.Groups[1].Length, Title = heading.Groups[2].Value, Line = lineNumber };
                    while (stack.Peek().Level >= section.Level && stack.Count > 1)
                    {
                        stack.Pop();
                    }
                    stack.Peek().Children.Add(section);
                    stack.Push(section);
                    if (section.Level == 1 && doc.Title.Length == 0)
                    {
                        doc.Title = section.Title;
                    }
                    continue;
                }
                if (trimmed.Length == 0)
                {
                    Flush();
                    continue;
                }
                Match item = Regex.Match(line, @"^\s{0,3}(?:[-*+]|\d+\.)\s+(.*)$");
                if (item.Success)
                {
                    Flush();
                    current = new Block { Kind = BlockKind.ListItem, Text = item.Groups[1].Value, Line = lineNumber };
                    continue;
                }
                if (trimmed.StartsWith("|", StringComparison.Ordinal))
                {
                    if (current == null || current.Kind != BlockKind.Table)
                    {
                        Flush();
                        current = new Block { Kind = BlockKind.Table, Line = lineNumber };
                    }
                    current.Text += trimmed + "\n";
                    continue;
                }
                if (current == null)
                {
                    current = new Block { Kind = BlockKind.Paragraph, Line = lineNumber };
                }
                current.Text += " " + trimmed;
            }
            Flush();
            if (doc.Title.Length == 0)
            {
                throw new HelpFormatException(1, "No '# Title' heading.");
            }
            doc.Root = doc.Root.Children[0];
            return doc;
        }
    }

    /// <summary>Inline markdown reduced to what reads well as plain text in a console.</summary>
    private static string Plain(string text)
    {
        text = Regex.Replace(text, @"\[([^\]]+)\]\(([^)]+)\)", m =>
            m.Groups[1].Value == m.Groups[2].Value || m.Groups[2].Value.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                ? m.Groups[1].Value
                : m.Groups[1].Value + " (" + m.Groups[2].Value + ")");
        text = Regex.Replace(text, @"\*\*(.+?)\*\*", "$1");
        text = Regex.Replace(text, @"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", "$1");
        text = text.Replace("\\|", "|").Replace("\\*", "*").Replace("\\_", "_");
        return text;
    }

    #endregion

    #region MAML

    private sealed class ParameterInfo
    {
        public string Name = "";
        public List<Block> Description = new List<Block>();
        public List<Dictionary<string, string>> Variants = new List<Dictionary<string, string>>();
        public int Order;
    }

    private static class MamlWriter
    {
        public static XElement Write(Document doc)
        {
            Section root = doc.Root;
            string name = doc.Title;
            int dash = name.IndexOf('-');
            if (dash <= 0)
            {
                throw new HelpFormatException(root.Line, "A cmdlet page's title must be Verb-Noun: '" + name + "'.");
            }

            List<Block> synopsis = root.Required("SYNOPSIS").Blocks;
            if (synopsis.Count == 0)
            {
                throw new HelpFormatException(root.Required("SYNOPSIS").Line, "Empty synopsis.");
            }
            List<ParameterInfo> parameters = ReadParameters(root.Required("PARAMETERS"));
            List<string> sets = ReadParameterSets(root.Required("SYNTAX"), parameters);

            var command = new XElement(s_command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", s_maml),
                new XAttribute(XNamespace.Xmlns + "command", s_command),
                new XAttribute(XNamespace.Xmlns + "dev", s_dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", s_msHelp),
                new XElement(s_command + "details",
                    new XElement(s_command + "name", name),
                    new XElement(s_command + "verb", name.Substring(0, dash)),
                    new XElement(s_command + "noun", name.Substring(dash + 1)),
                    Description(synopsis)),
                Description(root.Required("DESCRIPTION").Blocks),
                new XElement(s_command + "syntax",
                    sets.Select(set => SyntaxItem(name, set, parameters))),
                new XElement(s_command + "parameters",
                    parameters.Select(p => Parameter(p, p.Variants[0], inSyntax: false))),
                new XElement(s_command + "inputTypes", TypeEntries(root.Required("INPUTS"), "inputType")),
                new XElement(s_command + "returnValues", TypeEntries(root.Required("OUTPUTS"), "returnValue")));

            Section? notes = root.Child("NOTES");
            if (notes != null && notes.Blocks.Count > 0)
            {
                command.Add(new XElement(s_maml + "alertSet",
                    new XElement(s_maml + "alert", Paras(notes.Blocks))));
            }
            command.Add(new XElement(s_command + "examples", Examples(root.Required("EXAMPLES"))));
            command.Add(new XElement(s_command + "relatedLinks", Links(root.Child("RELATED LINKS"))));
            return command;
        }

        private static XElement Description(IEnumerable<Block> blocks) => new XElement(s_maml + "description", Paras(blocks));

        private static IEnumerable<XElement> Paras(IEnumerable<Block> blocks)
        {
            foreach (Block block in blocks)
            {
                switch (block.Kind)
                {
                    case BlockKind.Paragraph:
                        yield return new XElement(s_maml + "para", Plain(block.Text));
                        break;
                    case BlockKind.ListItem:
                        yield return new XElement(s_maml + "para", "- " + Plain(block.Text));
                        break;
                    case BlockKind.Code:
                        // Indented so the console shows it apart from the prose around it.
                        yield return new XElement(s_maml + "para",
                            string.Join("\n", block.Text.Split('\n').Select(l => "    " + l)));
                        break;
                    case BlockKind.Table:
                        yield return new XElement(s_maml + "para", Plain(block.Text.TrimEnd('\n')));
                        break;
                }
            }
        }

        private static List<ParameterInfo> ReadParameters(Section section)
        {
            var parameters = new List<ParameterInfo>();
            foreach (Section child in section.Children)
            {
                if (string.Equals(child.Title, "CommonParameters", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (!child.Title.StartsWith("-", StringComparison.Ordinal))
                {
                    throw new HelpFormatException(child.Line, "A parameter heading is '### -Name': '" + child.Title + "'.");
                }
                var parameter = new ParameterInfo { Name = child.Title.Substring(1), Order = parameters.Count };
                foreach (Block block in child.Blocks)
                {
                    if (block.Kind == BlockKind.Code && block.Info == "yaml")
                    {
                        parameter.Variants.Add(ReadYaml(block));
                    }
                    else
                    {
                        parameter.Description.Add(block);
                    }
                }
                if (parameter.Variants.Count == 0)
                {
                    throw new HelpFormatException(child.Line, "-" + parameter.Name + " has no ```yaml block.");
                }
                if (parameter.Description.Count == 0)
                {
                    throw new HelpFormatException(child.Line, "-" + parameter.Name + " has no description.");
                }
                parameters.Add(parameter);
            }
            return parameters;
        }

        private static Dictionary<string, string> ReadYaml(Block block)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string[] lines = block.Text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length == 0)
                {
                    continue;
                }
                int colon = line.IndexOf(':');
                string key = colon > 0 ? line.Substring(0, colon).Trim() : line;
                if (colon <= 0 || !s_yamlKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    throw new HelpFormatException(block.Line + 1 + i, "Unknown parameter yaml line '" + line + "'; keys are: " + string.Join(", ", s_yamlKeys) + ".");
                }
                values[key] = line.Substring(colon + 1).Trim();
            }
            foreach (string key in new[] { "Type", "Parameter Sets", "Required", "Position" })
            {
                if (!values.ContainsKey(key))
                {
                    throw new HelpFormatException(block.Line, "The yaml block lacks '" + key + ":'.");
                }
            }
            return values;
        }

        private static List<string> Sets(Dictionary<string, string> variant) =>
            variant["Parameter Sets"].Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

        /// <summary>Parameter sets in the order of the SYNTAX section's '### Set' headings.</summary>
        private static List<string> ReadParameterSets(Section syntax, List<ParameterInfo> parameters)
        {
            var sets = new List<string>();
            foreach (Section child in syntax.Children)
            {
                string set = child.Title;
                if (set.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase))
                {
                    set = set.Substring(0, set.Length - "(Default)".Length).Trim();
                }
                sets.Add(set);
            }
            if (sets.Count == 0)
            {
                // One parameter set: platyPS writes the block directly under ## SYNTAX.
                sets.Add("(All)");
            }
            foreach (ParameterInfo parameter in parameters)
            {
                foreach (string set in parameter.Variants.SelectMany(Sets))
                {
                    if (set != "(All)" && !sets.Contains(set))
                    {
                        throw new HelpFormatException(syntax.Line, "-" + parameter.Name + " names parameter set '" + set + "', which SYNTAX does not list.");
                    }
                }
            }
            return sets;
        }

        private static XElement SyntaxItem(string commandName, string set, List<ParameterInfo> parameters)
        {
            var members = new List<KeyValuePair<ParameterInfo, Dictionary<string, string>>>();
            foreach (ParameterInfo parameter in parameters)
            {
                Dictionary<string, string>? variant = parameter.Variants.FirstOrDefault(v => Sets(v).Contains(set))
                    ?? parameter.Variants.FirstOrDefault(v => Sets(v).Contains("(All)"));
                if (variant != null)
                {
                    members.Add(new KeyValuePair<ParameterInfo, Dictionary<string, string>>(parameter, variant));
                }
            }
            // Positional first (by position), then mandatory named ones, then the rest as documented.
            IEnumerable<KeyValuePair<ParameterInfo, Dictionary<string, string>>> ordered = members
                .OrderBy(m => int.TryParse(m.Value["Position"], out int p) ? p : int.MaxValue)
                .ThenBy(m => IsTrue(m.Value["Required"]) ? 0 : 1)
                .ThenBy(m => m.Key.Order);
            return new XElement(s_command + "syntaxItem",
                new XElement(s_maml + "name", commandName),
                ordered.Select(m => Parameter(m.Key, m.Value, inSyntax: true)));
        }

        private static bool IsTrue(string value) => value.StartsWith("true", StringComparison.OrdinalIgnoreCase);

        private static XElement Parameter(ParameterInfo parameter, Dictionary<string, string> variant, bool inSyntax)
        {
            string type = variant["Type"];
            string position = variant["Position"];
            if (string.Equals(position, "Named", StringComparison.OrdinalIgnoreCase))
            {
                position = "named";
            }
            string aliases = variant.TryGetValue("Aliases", out string? a) && a.Length > 0 ? a : "none";
            string pipeline = variant.TryGetValue("Accept pipeline input", out string? pi) && pi.Length > 0 ? pi : "False";
            string globbing = variant.TryGetValue("Accept wildcard characters", out string? g) && g.Length > 0 ? g.ToLowerInvariant() : "false";
            bool isSwitch = type.EndsWith("SwitchParameter", StringComparison.Ordinal);
            var element = new XElement(s_command + "parameter",
                new XAttribute("required", IsTrue(variant["Required"]) ? "true" : "false"),
                new XAttribute("variableLength", "true"),
                new XAttribute("globbing", globbing),
                new XAttribute("pipelineInput", pipeline),
                new XAttribute("position", position),
                new XAttribute("aliases", aliases),
                new XElement(s_maml + "name", parameter.Name),
                Description(parameter.Description));
            if (variant.TryGetValue("Accepted values", out string? accepted) && accepted.Length > 0)
            {
                element.Add(new XElement(s_command + "parameterValueGroup",
                    accepted.Split(',').Select(v => new XElement(s_command + "parameterValue",
                        new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v.Trim()))));
            }
            // A switch shows as [-Name] in the syntax: no value element there.
            if (!isSwitch || !inSyntax)
            {
                element.Add(new XElement(s_command + "parameterValue",
                    new XAttribute("required", isSwitch ? "false" : "true"),
                    new XAttribute("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
                    type));
            }
            element.Add(new XElement(s_dev + "type", new XElement(s_maml + "name", type), new XElement(s_maml + "uri")));
            element.Add(new XElement(s_dev + "defaultValue",
                variant.TryGetValue("Default value", out string? d) && d.Length > 0 ? d : "None"));
            return element;
        }

        private static IEnumerable<XElement> TypeEntries(Section section, string elementName)
        {
            foreach (Section child in section.Children)
            {
                yield return new XElement(s_command + elementName,
                    new XElement(s_dev + "type", new XElement(s_maml + "name", child.Title)),
                    Description(child.Blocks));
            }
        }

        private static IEnumerable<XElement> Examples(Section section)
        {
            if (section.Children.Count == 0)
            {
                throw new HelpFormatException(section.Line, "EXAMPLES has no '### Example 1: ...'.");
            }
            foreach (Section example in section.Children)
            {
                List<Block> code = example.Blocks.Where(b => b.Kind == BlockKind.Code).ToList();
                if (code.Count == 0)
                {
                    throw new HelpFormatException(example.Line, "'" + example.Title + "' has no code block.");
                }
                int firstCode = example.Blocks.IndexOf(code[0]);
                // Prose before the first code block introduces it; everything after it is the remarks.
                List<Block> introduction = example.Blocks.Take(firstCode).ToList();
                // Non-PowerShell blocks (```text output) belong to the remarks.
                List<Block> remarks = example.Blocks.Skip(firstCode).Where(b => b.Kind != BlockKind.Code || !IsPowerShell(b)).ToList();
                string script = string.Join("\n\n", code.Where(IsPowerShell).Select(b => b.Text));
                yield return new XElement(s_command + "example",
                    new XElement(s_maml + "title", "--------- " + example.Title + " ---------"),
                    new XElement(s_maml + "introduction", Paras(introduction)),
                    new XElement(s_dev + "code", script),
                    // The empty paragraph keeps a blank line between examples in the console.
                    new XElement(s_dev + "remarks", Paras(remarks), new XElement(s_maml + "para", "")));
            }
        }

        private static bool IsPowerShell(Block block) =>
            block.Info.Length == 0 || string.Equals(block.Info, "powershell", StringComparison.OrdinalIgnoreCase);

        private static IEnumerable<XElement> Links(Section? section)
        {
            if (section == null)
            {
                yield break;
            }
            foreach (Block block in section.Blocks)
            {
                Match link = Regex.Match(block.Text, @"^\[([^\]]+)\]\(([^)]*)\)");
                string text = link.Success ? link.Groups[1].Value : block.Text;
                string uri = link.Success && Regex.IsMatch(link.Groups[2].Value, "^https?://") ? link.Groups[2].Value : "";
                yield return new XElement(s_maml + "navigationLink",
                    new XElement(s_maml + "linkText", text),
                    new XElement(s_maml + "uri", uri));
            }
        }
    }

    #endregion

    #region about topics

    /// <summary>
    /// about_*.md to the plain-text layout of PowerShell's own about topics: upper-case headings at the
    /// margin, text indented four spaces and wrapped at 80 columns, code indented eight and kept as is.
    /// </summary>
    private static class AboutWriter
    {
        private const int Width = 80;

        public static string Write(Document doc)
        {
            var text = new StringBuilder();
            text.Append("TOPIC\n    ").Append(doc.Title.ToLowerInvariant()).Append("\n\n");
            WriteSection(text, doc.Root, isRoot: true);
            return text.ToString().TrimEnd('\n') + "\n";
        }

        private static void WriteSection(StringBuilder text, Section section, bool isRoot)
        {
            if (!isRoot)
            {
                if (section.Level == 2)
                {
                    text.Append(section.Title.ToUpperInvariant()).Append("\n");
                }
                else
                {
                    text.Append("  ").Append(section.Title).Append("\n");
                }
            }
            foreach (Block block in section.Blocks)
            {
                switch (block.Kind)
                {
                    case BlockKind.Paragraph:
                        Wrap(text, Plain(block.Text), "    ", "    ");
                        text.Append('\n');
                        break;
                    case BlockKind.ListItem:
                        Wrap(text, Plain(block.Text), "    - ", "      ");
                        if (!(section.Blocks.IndexOf(block) + 1 < section.Blocks.Count && section.Blocks[section.Blocks.IndexOf(block) + 1].Kind == BlockKind.ListItem))
                        {
                            text.Append('\n');
                        }
                        break;
                    case BlockKind.Code:
                        foreach (string line in block.Text.Split('\n'))
                        {
                            text.Append(line.Length == 0 ? "" : "        " + line).Append('\n');
                        }
                        text.Append('\n');
                        break;
                    case BlockKind.Table:
                        WriteTable(text, block);
                        break;
                }
            }
            foreach (Section child in section.Children)
            {
                WriteSection(text, child, isRoot: false);
            }
        }

        /// <summary>A markdown table as aligned columns, the header underlined with dashes.</summary>
        private static void WriteTable(StringBuilder text, Block block)
        {
            List<string[]> rows = block.Text.TrimEnd('\n').Split('\n')
                .Where(row => !Regex.IsMatch(row, @"^\|[\s:|-]+\|$"))
                .Select(row => row.Trim().Trim('|').Split('|').Select(c => Plain(c.Trim())).ToArray())
                .ToList();
            int columns = rows.Max(r => r.Length);
            int[] widths = Enumerable.Range(0, columns)
                .Select(c => rows.Max(r => c < r.Length ? r[c].Length : 0))
                .ToArray();
            for (int r = 0; r < rows.Count; r++)
            {
                string[] cells = rows[r];
                string line = string.Join("  ", Enumerable.Range(0, columns).Select(c => (c < cells.Length ? cells[c] : "").PadRight(widths[c])));
                text.Append("    ").Append(line.TrimEnd()).Append('\n');
                if (r == 0)
                {
                    text.Append("    ").Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
                }
            }
            text.Append('\n');
        }

        private static void Wrap(StringBuilder text, string paragraph, string firstIndent, string indent)
        {
            string prefix = firstIndent;
            var line = new StringBuilder();
            foreach (string word in paragraph.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && prefix.Length + line.Length + 1 + word.Length > Width)
                {
                    text.Append(prefix).Append(line).Append('\n');
                    line.Clear();
                    prefix = indent;
                }
                if (line.Length > 0)
                {
                    line.Append(' ');
                }
                line.Append(word);
            }
            if (line.Length > 0)
            {
                text.Append(prefix).Append(line).Append('\n');
            }
        }
    }

    #endregion
}
