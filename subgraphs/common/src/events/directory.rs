//! The directory's agencies as other subgraphs learn them (ADR 6): the
//! directories subgraph publishes the whole list as one typed event when it
//! starts and whenever a subgraph asks for it; feedback keeps a read model.

use serde::{Deserialize, Serialize};

use super::Event;

/// Every agency of the directory, as checking an agency id and routing a
/// report need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgenciesListed {
    pub version: u32,
    pub agencies: Vec<ListedAgency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedAgency {
    pub id: String,
    pub kind: String,
    /// The ward or commune it serves; None for a city-wide agency.
    pub ward_id: Option<String>,
}

impl AgenciesListed {
    pub const TOPIC: &'static str = "directories.agencies.listed";
    pub const VERSION: u32 = 1;

    pub fn new(agencies: Vec<ListedAgency>) -> Self {
        Self {
            version: Self::VERSION,
            agencies,
        }
    }

    pub fn event(&self) -> Result<Event, serde_json::Error> {
        Ok(Event::new(Self::TOPIC, serde_json::to_value(self)?))
    }

    /// The list an event carries; None for another topic or version.
    pub fn from_event(event: &Event) -> Option<Self> {
        if event.topic != Self::TOPIC {
            return None;
        }
        serde_json::from_value::<Self>(event.payload.clone())
            .ok()
            .filter(|listed| listed.version == Self::VERSION)
    }
}

/// A subgraph that keeps a read model of the directory asks for the list
/// (when it starts, so a list published before it listened is not missed).
pub struct AgenciesWanted;

impl AgenciesWanted {
    pub const TOPIC: &'static str = "feedback.agencies.wanted";

    pub fn event() -> Event {
        Event::new(Self::TOPIC, serde_json::json!({ "version": 1 }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_round_trips_through_its_event() {
        let listed = AgenciesListed::new(vec![ListedAgency {
            id: "ubnd-ben-thanh".into(),
            kind: "commune_committee".into(),
            ward_id: Some("26743".into()),
        }]);
        let event = listed.event().unwrap();
        assert_eq!(event.payload["agencies"][0]["wardId"], "26743");
        assert_eq!(AgenciesListed::from_event(&event), Some(listed));
        assert_eq!(
            AgenciesListed::from_event(&Event::new("other", event.payload.clone())),
            None
        );
    }
}
