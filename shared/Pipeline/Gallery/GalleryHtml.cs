using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>
/// Renders a <see cref="GalleryPageModel"/> with the Razor components (<see cref="GalleryPage"/>) outside any web
/// host, through Blazor's <see cref="HtmlRenderer"/>. Values are HTML-encoded by the renderer; the encoder lets every
/// Unicode letter through (‖x − f(Φ(x))‖₂ stays readable in the source) and escapes markup characters.
/// </summary>
public static class GalleryHtml
{
    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddSingleton(HtmlEncoder.Create(UnicodeRanges.All))
        .BuildServiceProvider();

    public static async Task<string> RenderAsync(GalleryPageModel model)
    {
        await using var renderer = new HtmlRenderer(Services, NullLoggerFactory.Instance);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(
                new Dictionary<string, object?> { [nameof(GalleryPage.Model)] = model }
            );
            var output = await renderer.RenderComponentAsync<GalleryPage>(parameters);
            return output.ToHtmlString();
        });
    }
}
