using Microsoft.Extensions.FileProviders;

namespace AuditPlatform.Escalation.Dashboard;

/// <summary>
/// The operators' dashboard: four static files (the page, its script, its style and its icon) from wwwroot, served without a token (the page asks for
/// one and calls the API with it). No build step, no external resources: the CSP allows only 'self'.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
        ["favicon.svg"] = "image/svg+xml",
    };

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (IWebHostEnvironment env) => Serve(env.WebRootFileProvider, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", (string file, IWebHostEnvironment env) => Serve(env.WebRootFileProvider, file)).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Serve(IFileProvider files, string name)
    {
        if (!Assets.TryGetValue(name, out var contentType) || files.GetFileInfo(name) is not { Exists: true } file)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Stream(file.CreateReadStream(), contentType);
    }
}
