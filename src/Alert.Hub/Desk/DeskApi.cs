using Alert.Hub.Auth;
using Alert.Hub.Intake;

namespace Alert.Hub.Desk;

/// <summary>
/// The disaster desk: the page in wwwroot/desk (served as static files) and what it needs beyond the public API, a
/// preview of what receivers will be sent. The page signs in with the issuer's own key and calls the API as any issuer.
/// </summary>
public static class DeskApi
{
    public static RouteGroupBuilder MapDesk(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notices").WithTags("Desk");
        group.MapPost("/preview", NoticesApi.Preview).RequireAuthorization(Roles.Issuer);
        return group;
    }
}
