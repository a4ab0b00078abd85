/**
 * @module
 * Sentence templates of the sample corpus, per language: energy-technology stories at four stages
 * of maturity (lab, pilot, commercial, at scale) plus off-topic stories the prefilter should block.
 * Our own text, written for the demo; it reads like wire copy, not like real reporting.
 */
export type Stage = 0 | 1 | 2 | 3;

export type LanguageVocabulary = {
  technologies: string[];
  places: string[];
  companies: string[];
  /** Opening sentences per stage; `{tech}`, `{place}`, `{company}`, `{n}` are filled in. */
  stages: Record<Stage, string[]>;
  /** Evidence sentences; more of them in mature stories. */
  evidence: string[];
  /** Filler that any story can carry. */
  context: string[];
  /** Whole off-topic stories (sport, recipes, gossip). */
  offTopic: string[];
  titles: Record<Stage, string[]>;
};

export const VOCABULARY: Record<"en" | "nl" | "pt" | "es", LanguageVocabulary> = {
  en: {
    technologies: [
      "solar farm",
      "wind farm",
      "heat pump programme",
      "battery storage plant",
      "green hydrogen electrolyser",
      "geothermal plant",
    ],
    places: ["Aberdeen", "Leeds", "Cork", "Bristol", "Toledo", "Adelaide"],
    companies: ["Northgrid", "Helio Power", "Tidewater Energy", "Brightline Renewables"],
    stages: {
      0: [
        "Researchers at a university laboratory in {place} unveiled a prototype {tech} that could one day cut costs, they said.",
        "A team of scientists described a concept for a {tech} in a paper, although no prototype has been tested outside the laboratory.",
      ],
      1: [
        "{company} switched on a pilot {tech} near {place} this week, a small demonstration meant to test the design for two years.",
        "A pilot {tech} in {place} started trial operation, and engineers will collect data before any commercial decision.",
      ],
      2: [
        "{company} has commissioned a commercial {tech} in {place} with a capacity of {n} megawatts, now operating and selling power to the grid.",
        "The {tech} near {place} entered commercial operation this month and has already delivered {n} megawatt hours to local customers.",
      ],
      3: [
        "More than {n} units of the {tech} design are now installed across the country, and operators report steady output over five years of operation.",
        "{company} said its fleet of {tech}s has been deployed in {n} towns, with measured output matching forecasts for the third year running.",
      ],
    },
    evidence: [
      "Grid data published by the operator show the plant delivered {n} gigawatt hours last year.",
      "The regulator's annual report confirmed emissions fell by {n} thousand tonnes after installation.",
      "Independent engineers measured an availability of {n} percent over the last twelve months.",
      "The installed capacity now stands at {n} megawatts, according to the national registry.",
    ],
    context: [
      "The announcement comes as the national government reviews its energy strategy for the next decade, with a public consultation due to close in the spring.",
      "Analysts said the market for such projects has grown quickly, but supply chains for key components remain tight and prices volatile.",
      "A spokesperson for the regional network operator said connection queues are long and that new lines will be needed in the coming years.",
      "Environmental groups broadly welcomed the plans but asked for a clear timetable and regular public reporting of results.",
      "The town council will discuss the project at its next meeting, where residents can ask questions about noise, traffic and land use.",
      "Local officials welcomed the news and said more projects are planned.",
      "The project received support from a regional climate fund.",
      "Critics warned that costs remain uncertain and permits take years.",
      "The company did not disclose the total investment.",
      "Residents were invited to an information evening next month.",
    ],
    offTopic: [
      "The home side won the football match 3-1 on Saturday after a late penalty, and the coach praised the squad's spirit in the second half. Fans celebrated in the streets until late. The league table now shows the club in fourth place with ten games left to play.",
      "This simple recipe for lemon cake needs only flour, sugar, eggs and butter. Bake it for forty minutes and let it cool before slicing. Serve with fresh cream and berries for a summer dessert that the whole family will enjoy.",
    ],
    titles: {
      0: ["Scientists unveil prototype {tech}", "Laboratory concept for {tech} shows promise"],
      1: ["Pilot {tech} switched on near {place}", "{company} starts trial of {tech}"],
      2: ["{company} commissions {tech} in {place}", "Commercial {tech} starts operating in {place}"],
      3: ["{tech} now deployed at scale", "Fleet of {tech}s delivers for third year"],
    },
  },
  nl: {
    technologies: [
      "zonnepark",
      "windpark",
      "warmtepompproject",
      "batterijopslag",
      "waterstoffabriek",
      "aardwarmtecentrale",
    ],
    places: ["Groningen", "Zwolle", "Eindhoven", "Leeuwarden", "Gent", "Utrecht"],
    companies: ["Noordnet", "Zonnekracht", "Polderstroom", "Deltawarmte"],
    stages: {
      0: [
        "Onderzoekers van een universiteit in {place} presenteerden een prototype van een {tech} dat in het laboratorium werd getest.",
        "Wetenschappers beschreven een concept voor een {tech}, maar een prototype buiten het laboratorium bestaat nog niet.",
      ],
      1: [
        "{company} heeft bij {place} een proefproject met een {tech} gestart, een kleine pilot die twee jaar loopt.",
        "Een pilot met een {tech} in {place} is begonnen en ingenieurs verzamelen eerst gegevens.",
      ],
      2: [
        "{company} heeft in {place} een commerciële {tech} in gebruik genomen met een vermogen van {n} megawatt, die nu stroom levert aan het net.",
        "De {tech} bij {place} is deze maand in bedrijf gegaan en leverde al {n} megawattuur aan klanten.",
      ],
      3: [
        "Inmiddels zijn meer dan {n} installaties van dit {tech} in het hele land geplaatst en draaien ze al vijf jaar stabiel.",
        "{company} zegt dat haar installaties van het type {tech} in {n} gemeenten zijn uitgerold, met gemeten opbrengsten die de prognoses halen.",
      ],
    },
    evidence: [
      "Cijfers van de netbeheerder laten zien dat de installatie vorig jaar {n} gigawattuur leverde.",
      "Het jaarverslag van de toezichthouder bevestigt een uitstootdaling van {n} duizend ton.",
      "Onafhankelijke ingenieurs maten een beschikbaarheid van {n} procent over het afgelopen jaar.",
      "Het opgestelde vermogen bedraagt nu {n} megawatt, volgens het nationale register.",
    ],
    context: [
      "De aankondiging komt op een moment dat het kabinet zijn energiestrategie voor het komende decennium herziet, met een consultatie die in het voorjaar sluit.",
      "Analisten zeggen dat de markt voor zulke projecten snel groeit, maar dat toeleveringsketens voor onderdelen krap blijven en prijzen schommelen.",
      "Een woordvoerder van de regionale netbeheerder zegt dat de wachtrij voor aansluitingen lang is en dat er nieuwe kabels nodig zijn.",
      "Milieuorganisaties zijn positief over de plannen, maar vragen om een duidelijke planning en openbare rapportage van de resultaten.",
      "De gemeenteraad bespreekt het project tijdens de volgende vergadering, waar bewoners vragen kunnen stellen over geluid en ruimtegebruik.",
      "De gemeente is blij met het nieuws en plant meer projecten.",
      "Het project kreeg steun uit een provinciaal klimaatfonds.",
      "Critici waarschuwen dat de kosten onzeker blijven.",
      "Het bedrijf maakte de totale investering niet bekend.",
    ],
    offTopic: [
      "De thuisploeg won de voetbalwedstrijd zaterdag met 3-1 na een late strafschop. De trainer prees de inzet van de spelers in de tweede helft en de supporters vierden feest tot diep in de nacht.",
      "Dit eenvoudige recept voor citroencake vraagt alleen bloem, suiker, eieren en boter. Bak de cake veertig minuten en laat hem afkoelen voordat je hem aansnijdt.",
    ],
    titles: {
      0: ["Onderzoekers tonen prototype {tech}", "Laboratoriumconcept voor {tech}"],
      1: ["Proef met {tech} bij {place} gestart", "{company} begint pilot {tech}"],
      2: ["{company} neemt {tech} in {place} in gebruik", "Commerciële {tech} in {place} in bedrijf"],
      3: ["{tech} op grote schaal uitgerold", "{tech} levert al drie jaar"],
    },
  },
  pt: {
    technologies: [
      "parque solar",
      "parque eólico",
      "programa de bombas de calor",
      "central de baterias",
      "fábrica de hidrogénio verde",
      "central geotérmica",
    ],
    places: ["Évora", "Porto", "Coimbra", "Faro", "Recife", "Braga"],
    companies: ["Luso Energia", "Solar Atlântico", "Ventos do Norte", "Rede Verde"],
    stages: {
      0: [
        "Investigadores de uma universidade em {place} apresentaram um protótipo de {tech} testado apenas em laboratório.",
        "Uma equipa de cientistas descreveu o conceito de {tech}, mas ainda não existe protótipo fora do laboratório.",
      ],
      1: [
        "A {company} iniciou um projeto piloto de {tech} perto de {place}, uma demonstração que vai durar dois anos.",
        "Um projeto de {tech} piloto em {place} entrou em fase de testes e os engenheiros vão recolher dados.",
      ],
      2: [
        "A {company} colocou em operação comercial um {tech} em {place} com {n} megawatts, que já fornece energia à rede.",
        "O {tech} de {place} entrou em operação comercial este mês e já entregou {n} megawatts-hora aos clientes.",
      ],
      3: [
        "Mais de {n} unidades do tipo {tech} estão instaladas no país e funcionam de forma estável há cinco anos.",
        "A {company} afirma que as suas instalações de {tech} estão em {n} municípios, com produção medida igual às previsões.",
      ],
    },
    evidence: [
      "Os dados do operador da rede mostram que a central forneceu {n} gigawatts-hora no ano passado.",
      "O relatório anual do regulador confirmou uma redução de emissões de {n} mil toneladas.",
      "Engenheiros independentes mediram uma disponibilidade de {n} por cento no último ano.",
    ],
    context: [
      "O anúncio surge numa altura em que o governo revê a estratégia energética para a próxima década, com uma consulta pública que termina na primavera.",
      "Os analistas dizem que o mercado para estes projetos cresce depressa, mas as cadeias de abastecimento de componentes continuam apertadas.",
      "Um porta-voz do operador da rede regional disse que as filas de ligação são longas e que serão necessárias novas linhas.",
      "As associações ambientalistas saudaram os planos, mas pediram um calendário claro e a publicação regular dos resultados.",
      "A assembleia municipal vai discutir o projeto na próxima reunião, onde os moradores poderão colocar questões sobre ruído e uso do solo.",
      "A câmara municipal saudou a notícia e prevê mais projetos.",
      "O projeto recebeu apoio de um fundo regional para o clima.",
      "Os críticos alertam que os custos continuam incertos.",
    ],
    offTopic: [
      "A equipa da casa venceu o jogo de futebol por 3-1 no sábado depois de um penálti tardio. O treinador elogiou o espírito da equipa e os adeptos festejaram até tarde.",
    ],
    titles: {
      0: ["Investigadores apresentam protótipo de {tech}", "Conceito de {tech} em laboratório"],
      1: ["Piloto de {tech} arranca em {place}", "{company} testa {tech}"],
      2: ["{company} inaugura {tech} em {place}", "{tech} entra em operação em {place}"],
      3: ["{tech} instalado em todo o país", "{tech} produz há três anos"],
    },
  },
  es: {
    technologies: [
      "parque solar",
      "parque eólico",
      "programa de bombas de calor",
      "planta de baterías",
      "planta de hidrógeno verde",
      "central geotérmica",
    ],
    places: ["Sevilla", "Zaragoza", "Valencia", "Bilbao", "Córdoba", "Murcia"],
    companies: ["Iberia Solar", "Vientos del Sur", "Red Renovable", "Energía Clara"],
    stages: {
      0: [
        "Investigadores de una universidad de {place} presentaron un prototipo de {tech} probado solo en el laboratorio.",
        "Un equipo de científicos describió el concepto de un {tech}, aunque aún no existe un prototipo fuera del laboratorio.",
      ],
      1: [
        "{company} puso en marcha un proyecto piloto de {tech} cerca de {place}, una demostración que durará dos años.",
        "Un {tech} piloto en {place} comenzó a funcionar en pruebas y los ingenieros recogerán datos.",
      ],
      2: [
        "{company} puso en operación comercial un {tech} en {place} con {n} megavatios, que ya vende energía a la red.",
        "El {tech} de {place} entró en operación comercial este mes y ya entregó {n} megavatios hora a sus clientes.",
      ],
      3: [
        "Más de {n} unidades de este {tech} están instaladas en todo el país y funcionan de forma estable desde hace cinco años.",
        "{company} afirma que sus instalaciones de {tech} están desplegadas en {n} municipios, con una producción medida igual a la prevista.",
      ],
    },
    evidence: [
      "Los datos del operador de la red muestran que la planta entregó {n} gigavatios hora el año pasado.",
      "El informe anual del regulador confirmó una reducción de emisiones de {n} mil toneladas.",
      "Ingenieros independientes midieron una disponibilidad del {n} por ciento en el último año.",
    ],
    context: [
      "El anuncio llega cuando el Gobierno revisa su estrategia energética para la próxima década, con una consulta pública que se cierra en primavera.",
      "Los analistas señalan que el mercado de estos proyectos crece con rapidez, aunque las cadenas de suministro de componentes siguen tensas.",
      "Un portavoz del operador de la red regional explicó que las colas de conexión son largas y que harán falta nuevas líneas.",
      "Las organizaciones ecologistas acogieron bien los planes, pero pidieron un calendario claro y la publicación periódica de resultados.",
      "El pleno municipal debatirá el proyecto en su próxima sesión, donde los vecinos podrán preguntar por el ruido y el uso del suelo.",
      "El ayuntamiento celebró la noticia y prevé más proyectos.",
      "El proyecto recibió apoyo de un fondo regional para el clima.",
      "Los críticos advierten que los costes siguen siendo inciertos.",
    ],
    offTopic: [
      "El equipo local ganó el partido de fútbol por 3-1 el sábado tras un penalti en el último minuto. El entrenador elogió el esfuerzo de sus jugadores y la afición lo celebró hasta tarde.",
    ],
    titles: {
      0: ["Investigadores presentan prototipo de {tech}", "Concepto de {tech} en el laboratorio"],
      1: ["Arranca piloto de {tech} en {place}", "{company} prueba un {tech}"],
      2: ["{company} inaugura {tech} en {place}", "{tech} entra en operación en {place}"],
      3: ["{tech} desplegado en todo el país", "{tech} produce desde hace tres años"],
    },
  },
};
