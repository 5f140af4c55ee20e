//! The city's dwellings: streets in each postcode district, houses at
//! numbers spread along them, buildings of flats holding many households,
//! postcode units of a dozen or so consecutive numbers, and a stable UPRN
//! per dwelling. Also the places outside the city that people moved from.
//! The city has about as many streets as its households need, so a street
//! or a postcode unit holds several unrelated households, as in life.

use super::geography::{BUILDINGS, DISTRICTS, ELSEWHERE, STREET_BASES, STREET_TYPES, UNIT_LETTERS};
use super::names::{TABLES, proper};
use rand::Rng;
use rand::rngs::StdRng;

/// The first UPRN; dwellings count up from it.
const UPRN_BASE: u64 = 100_070_000_000;

/// Share of a street's house numbers that are lived in once the city is
/// full: streets are sized for it.
const OCCUPANCY: f64 = 0.6;
const MEAN_STREET: f64 = 105.0;

/// Where someone lives or lived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A dwelling of the city (index).
    Dwelling(u32),
    /// An address outside the city (index).
    Elsewhere(u32),
}

struct Street {
    name: u32,
    district: u8,
    sector: u8,
    capacity: u16,
    /// Units from `first_unit` cover `unit_size` numbers each.
    first_unit: u16,
    unit_size: u16,
    /// House numbers taken (bit n-1 for number n).
    taken: [u64; 4],
    houses: u16,
}

#[derive(Debug, Clone, Copy)]
struct Dwelling {
    street: u32,
    number: u16,
    /// 0 for a house.
    flat: u16,
    /// Index of the building's name in `names`, `u32::MAX` for none.
    building: u32,
    unit: u16,
}

struct Building {
    dwelling: Dwelling,
    flats: u16,
    used: u16,
}

/// An address in parts, for keying in the forms departments use.
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    pub flat: Option<u16>,
    pub building: Option<&'a str>,
    pub number: u16,
    pub street: &'a str,
    pub locality: &'static str,
    pub town: &'static str,
    pub postcode: String,
    pub uprn: Option<u64>,
}

/// The dwellings made so far, and the streets and buildings being filled.
pub struct Places {
    names: Vec<String>,
    streets: Vec<Street>,
    dwellings: Vec<Dwelling>,
    elsewhere: Vec<(u8, u8, Dwelling)>,
    /// Per district: its streets, how many it will have, the buildings
    /// with flats left, and per sector the units used and where their
    /// letters start.
    district_streets: Vec<Vec<u32>>,
    planned: Vec<usize>,
    open_buildings: Vec<Vec<Building>>,
    units: Vec<[(u16, u16); 10]>,
}

impl Places {
    /// A city sized for about `households` homes.
    pub fn new(rng: &mut StdRng, households: usize) -> Self {
        let total: f64 = DISTRICTS.iter().map(|d| d.1).sum();
        let streets = households as f64 / (MEAN_STREET * OCCUPANCY);
        Places {
            names: Vec::new(),
            streets: Vec::new(),
            dwellings: Vec::new(),
            elsewhere: Vec::new(),
            district_streets: DISTRICTS.iter().map(|_| Vec::new()).collect(),
            planned: DISTRICTS
                .iter()
                .map(|d| ((streets * d.1 / total).ceil() as usize).max(12))
                .collect(),
            open_buildings: DISTRICTS.iter().map(|_| Vec::new()).collect(),
            units: DISTRICTS
                .iter()
                .map(|_| std::array::from_fn(|_| (0, rng.random_range(0..400))))
                .collect(),
        }
    }

    pub fn dwellings(&self) -> usize {
        self.dwellings.len()
    }

    /// A new home in district `d` (index into `DISTRICTS`): a house, or
    /// the next flat of a building there.
    pub fn home(&mut self, rng: &mut StdRng, d: usize, flat: bool) -> u32 {
        let dwelling = if flat {
            self.flat(rng, d)
        } else {
            self.house(rng, d)
        };
        self.dwellings.push(dwelling);
        u32::try_from(self.dwellings.len() - 1).expect("fewer than 4 billion homes")
    }

    /// A dwelling already made, for someone who used to live there.
    pub fn earlier_home(&self, rng: &mut StdRng) -> Option<u32> {
        (!self.dwellings.is_empty()).then(|| rng.random_range(0..self.dwellings.len() as u32))
    }

    /// An address outside the city.
    pub fn elsewhere(&mut self, rng: &mut StdRng) -> Place {
        let area = rng.random_range(0..ELSEWHERE.len()) as u8;
        let (_, first, count, _) = ELSEWHERE[area as usize];
        let district = first + rng.random_range(0..count);
        let name = self.street_name(rng);
        let dwelling = Dwelling {
            street: name,
            number: rng.random_range(1..=180),
            flat: 0,
            building: u32::MAX,
            unit: rng.random_range(0..4000),
        };
        self.elsewhere.push((area, district, dwelling));
        Place::Elsewhere(self.elsewhere.len() as u32 - 1)
    }

    /// A free house number on one of the district's streets.
    fn house(&mut self, rng: &mut StdRng, d: usize) -> Dwelling {
        loop {
            let street = self.street(rng, d);
            let s = &mut self.streets[street as usize];
            // A nearly full street is passed over, and the district gets
            // another street: it has more households than it was sized for.
            if f64::from(s.houses) >= f64::from(s.capacity) * 0.9 {
                self.planned[d] += 1;
                continue;
            }
            let number = loop {
                let n = rng.random_range(1..=s.capacity);
                let (word, bit) = (usize::from(n - 1) / 64, (n - 1) % 64);
                if s.taken[word] & (1 << bit) == 0 {
                    s.taken[word] |= 1 << bit;
                    break n;
                }
            };
            s.houses += 1;
            return Dwelling {
                street,
                number,
                flat: 0,
                building: u32::MAX,
                unit: s.first_unit + (number - 1) / s.unit_size,
            };
        }
    }

    fn flat(&mut self, rng: &mut StdRng, d: usize) -> Dwelling {
        // A few buildings fill at once, so neighbours are not always the
        // households made just before.
        if self.open_buildings[d].len() < 3 {
            let central = DISTRICTS[d].0 <= 5;
            let flats: u16 = match rng.random::<f64>() {
                x if x < if central { 0.15 } else { 0.4 } => rng.random_range(2..=4),
                x if x < if central { 0.5 } else { 0.8 } => rng.random_range(6..=24),
                _ => rng.random_range(25..=120),
            };
            let mut dwelling = self.house(rng, d);
            if flats >= 15 {
                // A big block has a postcode unit of its own.
                let sector = self.streets[dwelling.street as usize].sector;
                dwelling.unit = self.new_units(d, sector, 1);
            }
            if flats >= 6 {
                dwelling.building = self.building_name(rng);
            }
            self.open_buildings[d].push(Building {
                dwelling,
                flats,
                used: 0,
            });
        }
        let i = rng.random_range(0..self.open_buildings[d].len());
        let b = &mut self.open_buildings[d][i];
        b.used += 1;
        let dwelling = Dwelling {
            flat: b.used,
            ..b.dwelling
        };
        if b.used >= b.flats {
            self.open_buildings[d].swap_remove(i);
        }
        dwelling
    }

    /// One of the district's streets: a new one while it has fewer than
    /// planned (more likely the fewer it has), else any.
    fn street(&mut self, rng: &mut StdRng, d: usize) -> u32 {
        let have = self.district_streets[d].len();
        if have > 0 && rng.random_range(0..self.planned[d]) < have {
            return self.district_streets[d][rng.random_range(0..have)];
        }
        let name = loop {
            let name = self.street_name(rng);
            let text = &self.names[name as usize];
            // One Church Road to a district.
            if !self.district_streets[d]
                .iter()
                .any(|s| self.names[self.streets[*s as usize].name as usize] == *text)
            {
                break name;
            }
            self.names.pop();
        };
        let sector = rng.random_range(0..10);
        let capacity: u16 = rng.random_range(10..=200);
        let unit_size: u16 = rng.random_range(8..=20);
        let first_unit = self.new_units(d, sector, capacity.div_ceil(unit_size));
        self.streets.push(Street {
            name,
            district: d as u8,
            sector,
            capacity,
            first_unit,
            unit_size,
            taken: [0; 4],
            houses: 0,
        });
        let id = self.streets.len() as u32 - 1;
        self.district_streets[d].push(id);
        id
    }

    /// `n` consecutive postcode units of a sector; returns the first.
    fn new_units(&mut self, d: usize, sector: u8, n: u16) -> u16 {
        let (used, _) = &mut self.units[d][usize::from(sector)];
        let first = *used;
        *used += n;
        first
    }

    /// A street name: Church and Station Road are everywhere, and the rest
    /// are often named after a family or a place.
    fn street_name(&mut self, rng: &mut StdRng) -> u32 {
        let base = if rng.random_bool(0.75) {
            let r = (rng.random::<f64>().powf(2.5) * STREET_BASES.len() as f64) as usize;
            STREET_BASES[r.min(STREET_BASES.len() - 1)].to_owned()
        } else {
            let t = &*TABLES;
            proper(t.word(t.surname_pool("british").sample(rng)))
        };
        let kind = match base.as_str() {
            "High" => "Street",
            "Station" if rng.random_bool(0.8) => "Road",
            _ => pick_type(rng),
        };
        self.names.push(format!("{base} {kind}"));
        self.names.len() as u32 - 1
    }

    fn building_name(&mut self, rng: &mut StdRng) -> u32 {
        let t = &*TABLES;
        let stem = t.word(t.surname_pool("british").sample(rng));
        let kind = BUILDINGS[rng.random_range(0..BUILDINGS.len())];
        self.names.push(format!("{} {kind}", proper(stem)));
        self.names.len() as u32 - 1
    }

    /// An address in parts.
    pub fn parts(&self, place: Place) -> Parts<'_> {
        let (area, district, sector, d, street, town, locality, uprn) = match place {
            Place::Dwelling(i) => {
                let d = self.dwellings[i as usize];
                let s = &self.streets[d.street as usize];
                let row = &DISTRICTS[usize::from(s.district)];
                let town = if row.0 >= 72 {
                    "Sutton Coldfield"
                } else {
                    "Birmingham"
                };
                let locality = row.3[(d.street as usize) % row.3.len()];
                let offset = self.units[usize::from(s.district)][usize::from(s.sector)].1;
                let d = Dwelling {
                    unit: d.unit + offset,
                    ..d
                };
                let uprn = Some(UPRN_BASE + u64::from(i));
                ("B", row.0, s.sector, d, s.name, town, locality, uprn)
            }
            Place::Elsewhere(i) => {
                let (area, district, d) = self.elsewhere[i as usize];
                let (code, _, _, town) = ELSEWHERE[usize::from(area)];
                (
                    code,
                    district,
                    (d.unit / 400 % 10) as u8,
                    d,
                    d.street,
                    town,
                    "",
                    None,
                )
            }
        };
        // A fixed stride over the 400 letter pairs spreads a sector's units.
        let unit = usize::from(d.unit) * 37 % 400;
        let postcode = format!(
            "{area}{district} {sector}{}{}",
            UNIT_LETTERS[unit / 20] as char,
            UNIT_LETTERS[unit % 20] as char
        );
        Parts {
            flat: (d.flat > 0).then_some(d.flat),
            building: (d.building != u32::MAX).then(|| self.names[d.building as usize].as_str()),
            number: d.number,
            street: &self.names[street as usize],
            locality,
            town,
            postcode,
            uprn,
        }
    }

    /// The building a dwelling is in (street and number), for counting
    /// households per building.
    pub fn building_of(&self, dwelling: u32) -> Option<(u32, u16)> {
        let d = self.dwellings[dwelling as usize];
        (d.flat > 0).then_some((d.street, d.number))
    }

    /// Street names with the districts that have them.
    pub fn street_names(&self) -> impl Iterator<Item = (&str, u8)> {
        self.streets.iter().map(|s| {
            let district = DISTRICTS[usize::from(s.district)].0;
            (self.names[s.name as usize].as_str(), district)
        })
    }
}

fn pick_type(rng: &mut StdRng) -> &'static str {
    let i = super::residents::pick(rng, STREET_TYPES.iter().map(|t| t.1));
    STREET_TYPES[i].0
}

/// An address's lines as the gazetteer writes them: "Flat 3", "Jupiter
/// House", "12 Broad Street".
pub fn lines(p: &Parts<'_>) -> Vec<String> {
    let mut lines = Vec::with_capacity(3);
    if let Some(flat) = p.flat {
        lines.push(format!("Flat {flat}"));
    }
    if let Some(b) = p.building {
        lines.push(b.to_owned());
    }
    lines.push(format!("{} {}", p.number, p.street));
    lines
}
