//! Enums of the catalogue, shared with work orders.

use crate::text_enum;

text_enum! {
    /// How urgent a work order is; each priority has its own service-level targets.
    pub enum Priority {
        /// Can wait.
        Low => "LOW",
        /// The usual.
        Normal => "NORMAL",
        /// Soon.
        High => "HIGH",
        /// Danger to people or property: at once.
        Emergency => "EMERGENCY",
    }
}

text_enum! {
    /// How a category's new work orders find their staff member.
    pub enum DispatchMode {
        /// A dispatcher (manager or administrator) assigns each order.
        Assign => "ASSIGN",
        /// Eligible staff see the order and one of them grabs it.
        Grab => "GRAB",
        /// Assigned at once to the eligible staff member with the fewest open orders.
        Auto => "AUTO",
    }
}

text_enum! {
    /// Where an offering is booked.
    pub enum OfferingChannel {
        /// In the app.
        Online => "ONLINE",
        /// At the building's service centre.
        ServiceCentre => "SERVICE_CENTRE",
    }
}
