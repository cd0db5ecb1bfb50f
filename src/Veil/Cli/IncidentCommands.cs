using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Veil.Security.Ledger;

namespace Veil.Cli;

/// <summary>`veil incident report`: what a credential, principal or network read, from the access ledger.</summary>
internal static class IncidentCommands
{
    public static Command Create()
    {
        var incident = new Command("incident", "Incident response from the access ledger.");
        var report = new Command("report", "What one credential, principal or network read: fields by classification, exact distinct persons per project, " +
            "rows, a timeline, the affected pseudonyms and a drafted disclosure statement. Works while a server runs.");
        var data = CommonOptions.Data();
        var credential = new Option<string?>("--credential") { Description = "A credential id (session, API key or service account)." };
        var principal = new Option<string?>("--principal") { Description = "A principal (account) id." };
        var ip = new Option<string?>("--ip") { Description = "A client network in CIDR form, e.g. 203.0.113.0/24 (or one address)." };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Start (inclusive), e.g. 2026-11-01T00:00Z." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "End (exclusive)." };
        var format = new Option<string>("--format") { Description = "md or json.", DefaultValueFactory = _ => "md" };
        format.AcceptOnlyFromAmong("md", "json");
        foreach (var option in new Option[] { data, credential, principal, ip, from, to, format }) report.Options.Add(option);
        report.SetAction(parse =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            IPNetwork? network = null;
            if (parse.GetValue(ip) is { } cidr)
            {
                if (IPNetwork.TryParse(cidr, out var parsed)) network = parsed;
                else if (IPAddress.TryParse(cidr, out var address)) network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
                else
                {
                    Console.Error.WriteLine($"veil: --ip {cidr} is not a network like 203.0.113.0/24.");
                    return 2;
                }
            }
            var query = new IncidentQuery { Credential = parse.GetValue(credential), Principal = parse.GetValue(principal), Network = network, From = parse.GetValue(from), To = parse.GetValue(to) };
            try
            {
                query.Validate();
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("veil: " + e.Message);
                return 2;
            }
            IncidentReport result;
            try
            {
                result = IncidentReporter.BuildFromDirectory(dataDirectory, query, DateTimeOffset.UtcNow);
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine("veil: " + e.Message);
                return 2;
            }
            if (parse.GetValue(format) == "json")
            {
                using var stdout = Console.OpenStandardOutput();
                using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true })) IncidentReportFormatter.WriteJson(writer, result);
                Console.WriteLine();
            }
            else
            {
                Console.Write(IncidentReportFormatter.ToMarkdown(result));
            }
            if (result.DamagedEntries.Count > 0)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"veil: {result.DamagedEntries.Count} matching entries fail their hash check; run `veil ledger verify`."));
                return 1;
            }
            return 0;
        });
        incident.Subcommands.Add(report);
        return incident;
    }
}
