namespace Alert.Geo;

/// <summary>Distances on the ground between two points in degrees, as a resident walks them (give or take the streets).</summary>
public static class GreatCircle
{
    /// <summary>The mean Earth radius (IUGG): the haversine on a sphere is within 0.5 % of the ellipsoid, plenty for "1.2 km away".</summary>
    private const double EarthRadiusMetres = 6_371_008.8;

    public static double Metres(double lat1, double lng1, double lat2, double lng2)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(lat2 - lat1);
        var dLng = Radians(lng2 - lng1);
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Sin(dLng / 2) * Math.Sin(dLng / 2);
        return 2 * EarthRadiusMetres * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
