using Microsoft.Extensions.FileProviders;

namespace AuditPlatform.Audit.Page;

/// <summary>
/// The compliance page's files (the page, its script modules, its style and its icon), served anonymously as endpoints: the service defaults authorize every request
/// that reaches no endpoint, so plain static-file middleware behind them answered 401. The page calls the API with
/// the token pasted into it.
/// </summary>
public static class CompliancePage
{
    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["compliance.js"] = "text/javascript; charset=utf-8",
        ["compliance-api.js"] = "text/javascript; charset=utf-8",
        ["compliance-format.js"] = "text/javascript; charset=utf-8",
        ["verify-pack.js"] = "text/javascript; charset=utf-8",
        ["compliance.css"] = "text/css; charset=utf-8",
        ["favicon.svg"] = "image/svg+xml",
    };

    public static void MapCompliancePage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (IWebHostEnvironment env) => Serve(env.WebRootFileProvider, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/{file}", (string file, IWebHostEnvironment env) => Serve(env.WebRootFileProvider, file)).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Serve(IFileProvider files, string name) =>
        Assets.TryGetValue(name, out var contentType) && files.GetFileInfo(name) is { Exists: true } file
            ? TypedResults.Stream(file.CreateReadStream(), contentType)
            : TypedResults.NotFound();
}
