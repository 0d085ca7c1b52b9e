//! British National Grid to latitude and longitude, for web maps.
//!
//! GIAS gives eastings and northings on the National Grid (OSGB36, Airy 1830
//! ellipsoid); web maps and their tiles use WGS84. The conversion follows
//! Ordnance Survey's "A guide to coordinate systems in Great Britain": the
//! inverse transverse Mercator projection (Annex C) to OSGB36 latitude and
//! longitude, then a seven-parameter Helmert transform to WGS84 (section 6.6).
//! The Helmert transform is good to a few metres across Great Britain, which
//! is far finer than a school's marker; OSTN15 would be exact but needs a
//! 15 MB grid of corrections.

/// Latitude and longitude on WGS84, degrees (north and east positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

struct Ellipsoid {
    a: f64,
    b: f64,
}

const AIRY_1830: Ellipsoid = Ellipsoid {
    a: 6_377_563.396,
    b: 6_356_256.909,
};
const WGS84: Ellipsoid = Ellipsoid {
    a: 6_378_137.0,
    b: 6_356_752.314_245,
};

/// The National Grid's projection: true origin 49°N 2°W, false origin
/// 400 km west and 100 km north of it, scale on the central meridian.
const F0: f64 = 0.999_601_271_7;
const LAT0_DEG: f64 = 49.0;
const LON0_DEG: f64 = -2.0;
const E0: f64 = 400_000.0;
const N0: f64 = -100_000.0;

/// OSGB36 to WGS84 (the published WGS84 to OSGB36 parameters, negated):
/// translations in metres, scale in parts per million, rotations in
/// seconds of arc.
const TX: f64 = 446.448;
const TY: f64 = -125.157;
const TZ: f64 = 542.060;
const S_PPM: f64 = -20.4894;
const RX_SEC: f64 = 0.1502;
const RY_SEC: f64 = 0.2470;
const RZ_SEC: f64 = 0.8421;

/// Grid easting and northing (metres) to WGS84 latitude and longitude.
pub fn bng_to_wgs84(easting: f64, northing: f64) -> LatLon {
    let (lat, lon) = grid_to_osgb36(easting, northing);
    let (x, y, z) = to_cartesian(lat, lon, &AIRY_1830);
    let (x, y, z) = helmert(x, y, z);
    let (lat, lon) = from_cartesian(x, y, z, &WGS84);
    LatLon {
        lat: lat.to_degrees(),
        lon: lon.to_degrees(),
    }
}

/// The meridional arc from the true origin's latitude to `lat`, scaled (OS
/// guide, equation C3).
fn meridional_arc(lat: f64, b: f64, n: f64) -> f64 {
    let lat0 = LAT0_DEG.to_radians();
    let (d, s) = (lat - lat0, lat + lat0);
    b * F0
        * ((1.0 + n + 1.25 * n * n + 1.25 * n.powi(3)) * d
            - (3.0 * n + 3.0 * n * n + 21.0 / 8.0 * n.powi(3)) * d.sin() * s.cos()
            + (15.0 / 8.0 * n * n + 15.0 / 8.0 * n.powi(3)) * (2.0 * d).sin() * (2.0 * s).cos()
            - 35.0 / 24.0 * n.powi(3) * (3.0 * d).sin() * (3.0 * s).cos())
}

/// Inverse transverse Mercator on Airy 1830: radians, OSGB36.
fn grid_to_osgb36(e: f64, north: f64) -> (f64, f64) {
    let Ellipsoid { a, b } = AIRY_1830;
    let e2 = 1.0 - (b * b) / (a * a);
    let n = (a - b) / (a + b);
    let lat0 = LAT0_DEG.to_radians();
    let lon0 = LON0_DEG.to_radians();

    let mut lat = (north - N0) / (a * F0) + lat0;
    let mut m = meridional_arc(lat, b, n);
    // Iterate until the residual is under 0.01 mm; a few rounds suffice.
    for _ in 0..20 {
        if (north - N0 - m).abs() < 0.000_01 {
            break;
        }
        lat += (north - N0 - m) / (a * F0);
        m = meridional_arc(lat, b, n);
    }

    let (sin, cos, tan) = (lat.sin(), lat.cos(), lat.tan());
    let nu = a * F0 / (1.0 - e2 * sin * sin).sqrt();
    let rho = a * F0 * (1.0 - e2) / (1.0 - e2 * sin * sin).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (t2, t4, t6) = (tan * tan, tan.powi(4), tan.powi(6));
    let sec = 1.0 / cos;

    let vii = tan / (2.0 * rho * nu);
    let viii = tan / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = tan / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);

    let de = e - E0;
    let lat = lat - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lon = lon0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    (lat, lon)
}

fn to_cartesian(lat: f64, lon: f64, ell: &Ellipsoid) -> (f64, f64, f64) {
    let e2 = 1.0 - (ell.b * ell.b) / (ell.a * ell.a);
    let nu = ell.a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    // Height above the ellipsoid is unknown and, for a map, immaterial.
    (
        nu * lat.cos() * lon.cos(),
        nu * lat.cos() * lon.sin(),
        (1.0 - e2) * nu * lat.sin(),
    )
}

fn helmert(x: f64, y: f64, z: f64) -> (f64, f64, f64) {
    let s = 1.0 + S_PPM * 1e-6;
    let sec = std::f64::consts::PI / (180.0 * 3600.0);
    let (rx, ry, rz) = (RX_SEC * sec, RY_SEC * sec, RZ_SEC * sec);
    (
        TX + s * x - rz * y + ry * z,
        TY + rz * x + s * y - rx * z,
        TZ - ry * x + rx * y + s * z,
    )
}

fn from_cartesian(x: f64, y: f64, z: f64, ell: &Ellipsoid) -> (f64, f64) {
    let e2 = 1.0 - (ell.b * ell.b) / (ell.a * ell.a);
    let p = (x * x + y * y).sqrt();
    let mut lat = z.atan2(p * (1.0 - e2));
    // Converges to well under a millimetre in a handful of rounds.
    for _ in 0..10 {
        let nu = ell.a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        let next = (z + e2 * nu * lat.sin()).atan2(p);
        if (next - lat).abs() < 1e-12 {
            lat = next;
            break;
        }
        lat = next;
    }
    (lat, y.atan2(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        d + m / 60.0 + s / 3600.0
    }

    /// Metres on the ground between two nearby points (equirectangular:
    /// exact enough over a few hundred metres).
    fn metres(a: LatLon, b: LatLon) -> f64 {
        let r = 6_371_000.0;
        let dlat = (a.lat - b.lat).to_radians();
        let dlon = (a.lon - b.lon).to_radians() * a.lat.to_radians().cos();
        r * (dlat * dlat + dlon * dlon).sqrt()
    }

    #[test]
    fn inverse_projection_reproduces_the_ordnance_survey_worked_example() {
        // OS guide, Annex C.2: Caister water tower, E 651409.903 N 313177.270
        // is 52°39'27.2531"N 1°43'4.5177"E on OSGB36.
        let (lat, lon) = grid_to_osgb36(651_409.903, 313_177.270);
        let want_lat = dms(52.0, 39.0, 27.2531);
        let want_lon = dms(1.0, 43.0, 4.5177);
        // 0.0001 seconds of arc is about 3 mm.
        assert!(
            (lat.to_degrees() - want_lat).abs() * 3600.0 < 0.0002,
            "{lat}"
        );
        assert!(
            (lon.to_degrees() - want_lon).abs() * 3600.0 < 0.0002,
            "{lon}"
        );
    }

    #[test]
    fn helmert_to_wgs84_matches_the_published_value_for_the_same_point() {
        // The same point on WGS84 by the OS Helmert parameters, as published
        // with Ordnance Survey's worked example by Movable Type's reference
        // implementation: 52°39'28.723"N 1°42'57.787"E.
        let got = bng_to_wgs84(651_409.903, 313_177.270);
        let want = LatLon {
            lat: dms(52.0, 39.0, 28.723),
            lon: dms(1.0, 42.0, 57.787),
        };
        assert!(metres(got, want) < 0.5, "{got:?}, {} m", metres(got, want));
        // The datum shift itself is about 120 m here: the test would see it
        // missing.
        let (lat, lon) = grid_to_osgb36(651_409.903, 313_177.270);
        let osgb = LatLon {
            lat: lat.to_degrees(),
            lon: lon.to_degrees(),
        };
        assert!(metres(osgb, want) > 100.0);
    }

    #[test]
    fn the_grid_origin_lands_on_its_meridian_and_the_south_west_of_england() {
        // The true origin, 49°N 2°W, is E 400000 N -100000 by definition.
        let (lat, lon) = grid_to_osgb36(E0, N0);
        assert!((lat.to_degrees() - 49.0).abs() < 1e-9);
        assert!((lon.to_degrees() + 2.0).abs() < 1e-9);
        // Grid north: northing up, latitude up; easting up, longitude up.
        let a = bng_to_wgs84(500_000.0, 200_000.0);
        let b = bng_to_wgs84(510_000.0, 210_000.0);
        assert!(b.lat > a.lat && b.lon > a.lon);
    }
}
